"""Public API representation of published results (money in grosze, as everywhere in the API)."""
from marshmallow import Schema, fields, post_dump

from pb_service.results.counting import GROSZE


class MeasuresSchema(Schema):
    """How far a project was from the other outcome (Boehmer et al., IJCAI 2024, arXiv:2312.14723),
    under the pool's rule exactly as it was counted; fields the rules engine adds later pass through."""

    selected = fields.Boolean(metadata={"description": "Selected by the rule (a project funded from the leftover is not)"})
    max_winning_cost = fields.Function(lambda values: _in_grosze(values.get("max_winning_cost")), allow_none=True, metadata={
        "type": "integer",
        "description": "In grosze: the largest cost (whole złoty) at which the rule selects the project, all else equal; "
                       "at least its cost if it was selected (its margin); null if no cost makes it selected"})
    singleton_add = fields.Integer(allow_none=True, metadata={
        "description": "The fewest new voters, each choosing only this project, that make it selected (0 if selected)"})
    optimist_add = fields.Integer(allow_none=True, metadata={
        "description": "The fewest current non-supporters who must also choose it, at best (null: none or not computed)"})
    pessimist_add = fields.Integer(allow_none=True, metadata={
        "description": "The same at worst"})
    reasons = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Measure → why it is null, in the rules engine's words"})
    reason_codes = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Measure → why it is null, as a stable code (docs/rules.md); absent from "
                       "measures stored before there were codes"})

    @post_dump(pass_original=True)
    def keep_what_the_engine_adds(self, data: dict, original: dict, **kwargs) -> dict:
        return {**{key: value for key, value in original.items() if key not in data}, **data}


def _in_grosze(zloty: int | None) -> int | None:
    """Stored measures are in the file's units (whole złoty); the API speaks grosze."""
    return None if zloty is None else int(zloty) * GROSZE


class ProjectResultSchema(Schema):
    id = fields.Integer(attribute="proposal_id", metadata={"description": "The project (proposal) id, as in the ballots file"})
    number = fields.Function(lambda project: project.proposal.number)
    title = fields.Function(lambda project: project.proposal.title)
    cost = fields.Integer(metadata={"description": "In grosze"})
    votes = fields.Integer(metadata={"description": "Voters who chose the project"})
    score = fields.Integer(metadata={"description": "What greedy rules rank by: votes, or the sum of points on points ballots"})
    rank = fields.Integer()
    outcome = fields.Function(lambda project: project.outcome.value, metadata={
        "description": "funded, funded_leftover, did_not_fit, under_threshold, not_reached, lost_tie or withdrawn",
    })
    selected = fields.Boolean()
    measures = fields.Nested(MeasuresSchema, allow_none=True, metadata={
        "description": "How close the project came to the other outcome; null if none are stored",
    })


class PoolResultSchema(Schema):
    pool_id = fields.Integer()
    name = fields.Function(lambda result: result.pool.name)
    rule = fields.String(metadata={"description": "The rules engine's rule, as in the file's META"})
    parameters = fields.Dict(metadata={"description": "tie_breaking, seed (the tie lottery's), min_votes (the pool's minimum of voters, "
                                                   "under every rule) or, for editions imported from Pabulib, min_score where used"})
    vote_type = fields.String(metadata={"description": "approval, scoring or cumulative (Pabulib)"})
    voters = fields.Integer(metadata={"description": "Valid ballots with a choice in this pool"})
    budget = fields.Integer(metadata={"description": "The pool's own budget, in grosze"})
    received = fields.Integer(metadata={"description": "Leftover moved here from other pools, in grosze"})
    spent = fields.Integer(metadata={"description": "In grosze"})
    leftover = fields.Integer(metadata={"description": "Money the rule left unspent, in grosze"})
    top_up = fields.Integer(metadata={"description": "What the municipality adds to fund the next project, in grosze"})
    leftover_to_pool_id = fields.Integer(allow_none=True)
    ties = fields.List(fields.Dict())
    ballots_sha256 = fields.String(attribute="digest", metadata={"description": "SHA-256 of the pool's ballots in canonical form"})
    file_sha256 = fields.String(attribute="pabulib_sha256", metadata={"description": "SHA-256 of the pool's .pb file"})
    projects = fields.List(fields.Nested(ProjectResultSchema))


class ResultsSchema(Schema):
    edition_id = fields.Integer()
    published_at = fields.DateTime(metadata={"description": "UTC, ISO 8601"})
    ballots = fields.Integer(metadata={"description": "Valid ballots counted"})
    ballots_sha256 = fields.String(attribute="digest", metadata={"description": "SHA-256 over the pools' ballot digests"})
    pools = fields.List(fields.Nested(PoolResultSchema))


class ReceiptsSchema(Schema):
    edition_id = fields.Integer()
    count = fields.Integer()
    receipts = fields.List(fields.String(), metadata={"description": "SHA-256 (hex) of each counted ballot's receipt code, sorted"})
