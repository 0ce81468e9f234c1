"""Text-to-speech: the provider interface and its implementations."""
