"""12333 calls through the voice menu (DOMAIN.md section 14): what the caller keyed in, the
identity check, the temporary loss report made at the final confirm, and the transfer to an
agent with the call's reference, so the agent sees what the caller already keyed in.

The menu's steps and prompts are the voice interface's (`sscard.voice`); the call's state, kept
on the server by the platform's call id, and the acts on it are here, so that the menu and the
console's hotline desk read the same call.
"""
