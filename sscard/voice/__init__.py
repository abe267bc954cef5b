"""The 12333 voice menu (DOMAIN.md section 14): webhooks of the telephony platform, answered in
TwiML, signed by the platform and checked here. The menu's steps, its prompts in Mandarin and
English, and the transfer to an agent; every act goes through the calls and cards services."""
