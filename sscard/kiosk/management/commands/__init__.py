"""`sscard kiosk`: enrol a self-service terminal."""
