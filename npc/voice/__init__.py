"""The character's voice and ears: speech out (``speaker``) and speech in, as events."""
