// A simple SVG face: the mouth follows the visemes being heard, the brows and eyes the emotion.
//
// Shapes are targets; each animation frame eases the drawn face towards them, which gives
// the short cross-fade between visemes that docs/visemes.md recommends.

// open: jaw (0 closed .. 1 wide), width: lip spread (0 narrow .. 1 wide), round: pucker.
const MOUTH = {
  sil: { open: 0.0, width: 0.5, round: 0.0 },
  PP: { open: 0.0, width: 0.42, round: 0.1 },
  FF: { open: 0.12, width: 0.55, round: 0.0 },
  TH: { open: 0.2, width: 0.55, round: 0.0 },
  DD: { open: 0.28, width: 0.55, round: 0.0 },
  kk: { open: 0.35, width: 0.5, round: 0.0 },
  CH: { open: 0.3, width: 0.3, round: 0.6 },
  SS: { open: 0.12, width: 0.72, round: 0.0 },
  nn: { open: 0.22, width: 0.5, round: 0.0 },
  RR: { open: 0.3, width: 0.35, round: 0.5 },
  aa: { open: 1.0, width: 0.6, round: 0.0 },
  E: { open: 0.6, width: 0.7, round: 0.0 },
  ih: { open: 0.35, width: 0.78, round: 0.0 },
  oh: { open: 0.75, width: 0.35, round: 0.8 },
  ou: { open: 0.4, width: 0.22, round: 1.0 },
};

// tilt > 0 raises the brows' inner ends (sad, afraid); < 0 lowers them (angry).
const NEUTRAL = { tilt: 0, raise: 0, eyes: 1, smile: 0.1 };
const EXPRESSIONS = {
  neutral: NEUTRAL,
  calm: { tilt: 0, raise: 0, eyes: 0.85, smile: 0.3 },
  happy: { tilt: 0, raise: 0.2, eyes: 0.8, smile: 1 },
  amused: { tilt: 0.1, raise: 0.3, eyes: 0.75, smile: 0.8 },
  relieved: { tilt: 0.3, raise: 0.2, eyes: 0.8, smile: 0.5 },
  sad: { tilt: 1, raise: 0.1, eyes: 0.75, smile: -0.8 },
  angry: { tilt: -1, raise: -0.3, eyes: 0.9, smile: -0.5 },
  annoyed: { tilt: -0.6, raise: -0.2, eyes: 0.8, smile: -0.4 },
  firm: { tilt: -0.4, raise: -0.1, eyes: 0.95, smile: 0 },
  surprised: { tilt: 0, raise: 1, eyes: 1.4, smile: 0 },
  afraid: { tilt: 0.8, raise: 0.6, eyes: 1.3, smile: -0.4 },
  concerned: { tilt: 0.6, raise: 0.2, eyes: 1, smile: -0.3 },
  skeptical: { tilt: -0.3, raise: 0.3, eyes: 0.8, smile: -0.1 },
  interested: { tilt: 0.1, raise: 0.4, eyes: 1.1, smile: 0.3 },
};

// Emotion names are the character sheet's own; common synonyms share a face.
const SYNONYMS = {
  joyful: 'happy', cheerful: 'happy', excited: 'happy', pleased: 'happy', content: 'calm',
  furious: 'angry', irritated: 'annoyed', frustrated: 'annoyed', stern: 'firm',
  scared: 'afraid', fearful: 'afraid', anxious: 'concerned', worried: 'concerned', nervous: 'concerned',
  unhappy: 'sad', disappointed: 'sad', shocked: 'surprised', astonished: 'surprised',
  curious: 'interested', doubtful: 'skeptical', suspicious: 'skeptical', playful: 'amused',
};

/** The expression for an emotion name, or null when the face has none for it. */
export function expressionFor(name) {
  const key = String(name).toLowerCase();
  return EXPRESSIONS[key] || EXPRESSIONS[SYNONYMS[key]] || null;
}

const MOUTH_TAU_S = 0.035;
const FACE_TAU_S = 0.25;
const CX = 100;
const CY = 152;

export class Face {
  constructor(player, stats) {
    this.player = player;
    this.stats = stats;
    this.mouthEl = document.getElementById('mouth');
    this.visemeEl = document.getElementById('viseme');
    this.emotionEl = document.getElementById('emotion');
    this.speakingEl = document.getElementById('speaking');
    this.els = ['brow-left', 'brow-right', 'eye-left', 'eye-right'].map((id) =>
      document.getElementById(id),
    );
    this.mouth = { ...MOUTH.sil };
    this.expression = { ...NEUTRAL };
    this.targetExpression = { ...NEUTRAL };
    this.viseme = 'sil';
    this.lastPath = '';
    this.lastFrame = performance.now();
    requestAnimationFrame((t) => this._frame(t));
  }

  /** Show an emotion (unknown names keep a neutral face but still show the label). */
  setEmotion(name, intensity = 1) {
    const target = expressionFor(name) || NEUTRAL;
    const k = Math.max(0, Math.min(1, intensity));
    this.targetExpression = Object.fromEntries(
      Object.keys(NEUTRAL).map((key) => [key, NEUTRAL[key] + (target[key] - NEUTRAL[key]) * k]),
    );
    this.emotionEl.textContent = `${name} (${k.toFixed(2)})`;
  }

  _frame(time) {
    const dt = Math.min(0.1, (time - this.lastFrame) / 1000);
    this.lastFrame = time;
    const heard = this.player.visemeNow();
    const viseme = heard && MOUTH[heard.name] ? heard.name : 'sil';
    if (viseme !== this.viseme) {
      this.viseme = viseme;
      this.mouthEl.dataset.viseme = viseme;
      this.visemeEl.textContent = viseme;
      if (heard) this.stats.visemeChanges += 1;
    }
    this.speakingEl.textContent = heard ? 'speaking' : '';
    ease(this.mouth, MOUTH[viseme], dt, MOUTH_TAU_S);
    ease(this.expression, this.targetExpression, dt, FACE_TAU_S);
    this._draw();
    requestAnimationFrame((t) => this._frame(t));
  }

  _draw() {
    const { open, width, round } = this.mouth;
    const { tilt, raise, eyes, smile } = this.expression;
    const half = 14 + 22 * width - 6 * round;
    const corner = CY - 6 * smile * (1 - round);
    const top = CY - 1 - 5 * open - 2 * round;
    const bottom = CY + 1 + 26 * open + 3 * round;
    // A quadratic curve peaks halfway to its control point: aim the control at 2*peak - corner.
    const path =
      `M${f(CX - half)} ${f(corner)} Q${CX} ${f(2 * top - corner)} ${f(CX + half)} ${f(corner)} ` +
      `Q${CX} ${f(2 * bottom - corner)} ${f(CX - half)} ${f(corner)} Z`;
    if (path !== this.lastPath) {
      this.mouthEl.setAttribute('d', path);
      this.lastPath = path;
      if (this.player.playing) this.stats.mouthChanges += 1;
    }
    const [browL, browR, eyeL, eyeR] = this.els;
    const base = 70 - 8 * raise;
    browL.setAttribute('d', `M52 ${f(base + 3 * tilt)} L86 ${f(base - 6 * tilt)}`);
    browR.setAttribute('d', `M114 ${f(base - 6 * tilt)} L148 ${f(base + 3 * tilt)}`);
    eyeL.setAttribute('ry', f(9 * eyes));
    eyeR.setAttribute('ry', f(9 * eyes));
  }
}

function ease(current, target, dt, tau) {
  const k = 1 - Math.exp(-dt / tau);
  for (const key of Object.keys(target)) current[key] += (target[key] - current[key]) * k;
}

function f(x) {
  return x.toFixed(1);
}
