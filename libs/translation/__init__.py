"""Machine translation: the provider interface and its implementations."""
