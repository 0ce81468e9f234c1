"""What every vendor client shares: errors the runner understands, retries, limits."""
