"""What the configured providers can do, language by language."""
