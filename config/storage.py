"""Static files storage for production: WhiteNoise's compressed, hashed names."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (
            glob,
            tuple(
                p for p in rules if "sourceMappingURL" not in (p if isinstance(p, str) else p[0])
            ),
        )
        for glob, rules in patterns
    )


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Leaves `sourceMappingURL` comments as they are instead of hashing the map's name: some
    vendored files name maps their packages do not ship (django-plotly-dash's
    `bootstrap-grid.min.css`), which would fail `collectstatic`. Browsers fetch maps only with
    the developer tools open; a missing one is a 404 there and nothing else."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
