"""Which signing secrets a deployment may run with: never none, never a published one."""

# Secrets anyone can read: this repository's former defaults and the Supabase CLI's local
# default. A token signed with one of them proves nothing, so only development accepts them.
PUBLISHED_SECRETS = frozenset(
    {
        "redub-dev-secret-change-me-32-bytes!",
        "redub-dev-blob-secret-change-me",
        "super-secret-jwt-token-with-at-least-32-characters-long",
    }
)
MIN_SECRET_BYTES = 32


def secret_problem(name: str, secret: str | None, *, development: bool) -> str | None:
    """Why `secret` may not sign anything here, or None when it may (pure)."""
    if not secret:
        return f"{name} is not set"
    if development:
        return None
    if secret in PUBLISHED_SECRETS:
        return f"{name} is a published development secret; generate a private one"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"{name} is shorter than {MIN_SECRET_BYTES} bytes"
    return None
