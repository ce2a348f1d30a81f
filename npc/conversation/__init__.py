"""The conversation core: turn policy, session shell, reply, and the model scheduler."""
