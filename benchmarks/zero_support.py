"""Where the app's semantics differ from Pabulib's on real files: projects without support funded
by the file's own rule, and META thresholds the file's rule does not apply.

For each ``.pb`` file: the file's rule (``tally FILE``) and the same rule with the app's
semantics (``--min-votes`` 0: a project needs at least one vote, with points above 0); the
projects funded only under the file's semantics; and whether META names a threshold that the
file's rule ignores. Prints one line per file and a summary (counts of files).

Usage: python benchmarks/zero_support.py DIR_OR_FILES...   (e.g. /work/shared/pabulib)
"""
from __future__ import annotations

import sys
from pathlib import Path

from pb_service.rules import compute, read_pabulib, resolve_rule
from pb_service.rules.tally import vote_counts


def main(arguments: list[str]) -> int:
    paths = sorted(p for a in arguments for p in (Path(a).glob("*.pb") if Path(a).is_dir() else [Path(a)]))
    differs = zero_funded = ignored_threshold = with_unsupported = 0
    for path in paths:
        instance = read_pabulib(path)
        by_file = compute(instance)
        by_app = compute(instance, min_votes=0)
        votes = vote_counts(instance)
        on_ballot = [pid for pid, project in instance.projects.items() if not project.withdrawn and not votes[pid]]
        unsupported = [pid for pid in by_file.selected if by_file.outcomes[pid].score <= 0 or not votes[pid]]
        with_unsupported += bool(on_ballot)
        threshold = instance.meta_number("min_project_score_threshold")
        ignored = threshold is not None and resolve_rule(instance, None) != "greedy-threshold"
        zero_funded += bool(unsupported)
        differs += set(by_file.selected) != set(by_app.selected)
        ignored_threshold += ignored
        print(f"{path.name}: rule {instance.rule}; without votes on the ballot: {len(on_ballot)}; funded without support: {len(unsupported)}"
              f"{' (' + ', '.join(unsupported) + ')' if unsupported else ''}; app outcome differs: "
              f"{set(by_file.selected) != set(by_app.selected)}"
              f"{f'; META threshold {threshold} ignored by the rule' if ignored else ''}")
    print(f"files: {len(paths)}; with projects nobody voted for: {with_unsupported}; the file's rule funds a project without support in {zero_funded}; "
          f"the app's semantics change the outcome in {differs}; a META threshold the rule ignores in {ignored_threshold}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
