"""Audio handling at the edge: probing, decoding, mixing with ffmpeg, and caption rendering."""
