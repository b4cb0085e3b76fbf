"""Cross-cutting pieces every app uses: money fields, request ids, logging, health."""
