"""Contributor tools: sources that follow the rules by construction, and what they hold.

Nobody counts characters by hand, and nothing is written that would fail validation.

common.py    errors, IDs from titles, dates and suggestions shared by the tools
articles.py  new-article (a raw text file becomes an article folder) and new-entity
claims.py    find and add-claim (quoted passages become code-point offsets and a complete claim)
coverage.py  which sentences carry no claim (the completeness review)
stats.py     what the sources hold, counted
"""

from .articles import NewArticle, new_article, new_entity
from .claims import AddedClaim, add_claim, find_passage, load_article, load_entities, next_claim_id, parse_quantity
from .common import ContributeError, article_id_for, rights_values, slugify

__all__ = [
    "AddedClaim", "ContributeError", "NewArticle", "add_claim", "article_id_for", "find_passage", "load_article",
    "load_entities", "new_article", "new_entity", "next_claim_id", "parse_quantity", "rights_values", "slugify",
]
