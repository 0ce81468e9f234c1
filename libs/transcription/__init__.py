"""Speech-to-text: the transcript model, the provider interface and its implementations."""
