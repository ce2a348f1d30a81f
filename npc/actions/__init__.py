"""The character's actions: what may be called now, the reply grammar, and validation.

Nothing reaches the game unless ``validate_call`` accepted it: the grammar makes invalid
calls unlikely, validation makes them impossible.
"""
