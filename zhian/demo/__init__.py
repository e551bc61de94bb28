"""The demo bureau and its data (may import every app; nothing imports it)."""
