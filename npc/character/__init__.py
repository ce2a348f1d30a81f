"""Character sheets: the YAML schema, loading with located errors, prompts and memory."""

from npc.character.loader import LoadedSheet, load_characters, load_sheet
from npc.character.sheet import Action, CharacterSheet

__all__ = ["Action", "CharacterSheet", "LoadedSheet", "load_characters", "load_sheet"]
