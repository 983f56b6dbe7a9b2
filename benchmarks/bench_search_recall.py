"""Recall of search by meaning against aspect labels: one plain query per aspect, no term list.

* demo: the mentions of a `klantstem demo` warehouse (after its insights refresh) that the
  term-list tagger tagged with an aspect are that aspect's relevant set;
* SemEval-2016 Dutch restaurants (``../shared/data``, read where it is): the sentences the
  annotators gave a category that maps to one of our aspects (insights/validate.py).

For each aspect, with R relevant texts: recall@R (= precision at R: how many of the R closest
texts are relevant) and recall@2R, beside the term-list tagger's own recall on SemEval. The
queries are written once, below, one line each; they are not tuned on the data. Prints numbers.

    python benchmarks/bench_search_recall.py --warehouse data/klantstem.duckdb
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import duckdb
import numpy as np

from insights.aspects import AspectTagger, load_lexicon
from insights.search import embed_query
from insights.validate import MAPPED, default_semeval_dir, load_semeval, validate_aspects

DEMO_QUERIES = {
    "ordering": "bestellen en afrekenen op de website",
    "delivery": "de bezorging van mijn pakket",
    "returns": "iets terugsturen en mijn geld terugkrijgen",
    "customer_service": "contact met de klantenservice",
    "price": "de prijs en de kosten",
    "product_quality": "de kwaliteit van het product",
    "store": "de winkel en het personeel in de winkel",
    "app": "de app op mijn telefoon",
}
SEMEVAL_QUERIES = {
    "customer_service": "de bediening en het personeel",
    "price": "de prijs, duur of goedkoop",
    "product_quality": "de kwaliteit en de smaak van het eten en de drank",
}


def cpu() -> str:
    return next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")


def recall_at(ranked: list[str], relevant: set[str], cut: int) -> float:
    return len(set(ranked[:cut]) & relevant) / len(relevant)


def report(name: str, query: str, vectors: np.ndarray, ids: list[str], relevant: set[str], q: np.ndarray,
           extra: str = "") -> None:
    order = np.argsort(-(vectors @ q), kind="stable")
    ranked = [ids[i] for i in order]
    r = len(relevant)
    print(f"  {name:<17} R={r:<4} recall@R {recall_at(ranked, relevant, r):.2f}  recall@2R "
          f"{recall_at(ranked, relevant, 2 * r):.2f}{extra}   query: {query!r}")


def demo(path: Path, scorer) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT mention_id, embedding FROM mention_embeddings WHERE model_id = ?",
                           [scorer.model_id]).fetchall()
        tags = con.execute("SELECT DISTINCT aspect, mention_id FROM aspect_tags").fetchall()
    if not rows:
        print(f"demo: no vectors of {scorer.model_id} in {path}")
        return
    ids = [r[0] for r in rows]
    vectors = np.array([r[1] for r in rows], dtype=np.float32)
    known = set(ids)
    print(f"demo warehouse {path}: {len(ids)} mentions with vectors; relevant = tagged by the term lists")
    for aspect, query in DEMO_QUERIES.items():
        relevant = {m for a, m in tags if a == aspect and m in known}
        if relevant:
            report(aspect, query, vectors, ids, relevant, embed_query(scorer, query))


def semeval(folder: Path, scorer) -> None:
    gold = load_semeval(folder)
    _, vectors = scorer.score_with_embeddings([g.text for g in gold])
    ids = [g.sentence_id for g in gold]
    tagger = validate_aspects(gold, AspectTagger(load_lexicon(Path("insights/aspects_horeca.toml"))), None)
    print(f"SemEval-2016 Dutch restaurants: {len(gold)} sentences; relevant = annotated with the category")
    for aspect in MAPPED:
        relevant = {g.sentence_id for g in gold if aspect in g.aspects}
        tag_recall = tagger.per_aspect[aspect].recall
        report(aspect, SEMEVAL_QUERIES[aspect], vectors, ids, relevant, embed_query(scorer, SEMEVAL_QUERIES[aspect]),
               f"  (term lists, horeca: recall {tag_recall:.2f}, precision {tagger.per_aspect[aspect].precision:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None, help="a `klantstem demo` warehouse (insights refreshed)")
    parser.add_argument("--semeval", type=Path, default=None, help="folder with restaurants_dutch_training.xml")
    args = parser.parse_args()
    from sentiment import load_scorer

    scorer = load_scorer()
    print(f"CPU: {cpu()}; model {scorer.model_id} ({scorer.precision})")
    if args.warehouse is not None and args.warehouse.exists():
        demo(args.warehouse, scorer)
    else:
        print("demo: no warehouse given (run `klantstem demo`, pass --warehouse data/klantstem.duckdb)")
    folder = args.semeval or default_semeval_dir()
    if folder.exists():
        semeval(folder, scorer)
    else:
        print(f"SemEval: {folder} not found, skipped")


if __name__ == "__main__":
    main()
