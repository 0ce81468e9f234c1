"""Documents the stages hand each other through blobs: transcript, translation, speech index."""
