"""Corpus mode: a crawl in, queryable Parquet tables and an aggregate report out (DESIGN.md section 6).

What runs is apart from where it runs: `plan` cuts the inputs into shards (a few hundred records each, by
file and line range) and writes the plan into the output directory; `step.CorpusStep` analyses one shard
with `Pipeline.pipe` and writes its rows (`tables`, `writer`) with a completion marker; an executor
(`executors`: a local process pool or Ray) only says which shards (`rank`, `world_size`) run where.
`run.run_corpus` ties them together, `query` puts DuckDB over the tables, `report` renders them.
"""
