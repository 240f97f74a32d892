"""`claimset explore`: a static browser explorer of a release, with no server and no network.

The site is built from the published files (the release's JSONL, else its Parquet), so it shows
exactly what was released. It opens from file:// and works as a GitHub Pages site: plain HTML
with relative links, one CSS and one JS file copied beside it, figures as inline SVG, no CDN.

    site/index.html                  version, counts, figures, links to everything
    site/articles/<article_id>.html  the text with every claim highlighted; all fields per claim
    site/entities/<entity_id>.html   claims the entity makes, relays, or takes part in
    site/clusters/<cluster_id>.html  one proposition asserted, hedged and denied across articles

Article text is split at every span boundary (content, cue, hedge, mention, boilerplate, ...)
into segments; each segment is wrapped in one element per layer covering it, carrying the IDs of
the claims concerned, so overlapping and discontinuous spans render correctly and the text
content of the text container is exactly the stored text. Everything is in the HTML: JavaScript
only adds the selection panel and keyboard navigation.

Review mode (`changed_since`) compares claims by claim_id with an earlier release folder or with
release/claims.jsonl at a git revision, and marks the added and changed ones.

Output is deterministic (no timestamps) and written atomically (a temporary folder beside the
target, then renames).

release.py  the release as read for the pages: records checked, indexed, compared with an earlier one
render.py   an article's text with nested span elements; formatters the templates call
figures.py  inline SVG figures
build.py    the pages rendered and published atomically (build_site)
templates/, static/  Jinja templates and the one CSS and JS file copied beside the pages
"""

from .build import SiteResult, build_site, summary_markdown
from .release import ExploreError

__all__ = ["ExploreError", "SiteResult", "build_site", "summary_markdown"]
