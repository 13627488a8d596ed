"""The queue's word search: four-digit pieces for runs of digits (issue 24).

A phone or a ticket number searched over open work read, at ten million incidents, the
address index's entries of ten two-digit pieces ("17", "70", …: house numbers put each in
hundreds of thousands of addresses) — 12.6 ms of a 14.6 ms statement, against 1.3 ms at one
million: the search's one measure that grew past 1.5× with the history. ``text_pieces(t)``
is ``bigrams(t)`` (0023_bigram) and, for every run of four ASCII digits or more, each of
its four-digit pieces; ``query_pieces(q)`` is what a word asks of it: a word holding such a
run asks its four-digit pieces and none of its two-digit ones (any subset of a text's
pieces is a sound question: ILIKE still decides), else its bigrams. The word indexes of the
description and the address are rebuilt on ``text_pieces``.

And the phone digits' index is partial, and PostgreSQL takes no statistics from a partial
index's expression: the planner guessed a phone's rows as 0.5 % of the table (50,000 at
10M, 5,000 at 1M). Extended statistics on the expression give it the real figure (one or
two rows), and with it the cheaper plans (a phone over every status 55 → 10 ms at both
sizes).

Revision ID: 0024_pieces
Revises: 0023_evalroll
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_pieces'
down_revision = '0023_evalroll'
branch_labels = None
depends_on = None

COLUMNS = ('description', 'address')


def upgrade():
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute(r"""
        CREATE FUNCTION text_pieces(t text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
        DECLARE
            pieces text[] := bigrams(t);
            run text;
        BEGIN
            IF t ~ '[0-9]{4}' THEN
                FOR run IN SELECT m[1] FROM regexp_matches(t, '([0-9]{4,})', 'g') AS m LOOP
                    FOR i IN 1 .. char_length(run) - 3 LOOP
                        IF NOT substr(run, i, 4) = ANY(pieces) THEN
                            pieces := pieces || substr(run, i, 4);
                        END IF;
                    END LOOP;
                END LOOP;
            END IF;
            RETURN pieces;
        END $$""")
    op.execute(r"""
        CREATE FUNCTION query_pieces(q text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT CASE WHEN q ~ '[0-9]{4}'
                        THEN ARRAY(SELECT p FROM unnest(text_pieces(q)) AS p
                                    WHERE p !~ '^[0-9]{2}$')
                        ELSE bigrams(q) END
        $$""")
    for column in COLUMNS:
        op.drop_index(f'ix_incidents_{column}_bigram', table_name='incidents')
        op.create_index(f'ix_incidents_{column}_pieces', 'incidents',
                        [sa.text(f'text_pieces({column})')], postgresql_using='gin')
    op.execute(r"CREATE STATISTICS st_incidents_reporter_digits"
               r" ON (regexp_replace(reporter_phone, '\D', '', 'g')) FROM incidents")
    # the planner's estimate of a word's matches comes from the indexed expressions'
    # statistics, which only ANALYZE gathers
    op.execute("ANALYZE incidents")


def downgrade():
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("DROP STATISTICS st_incidents_reporter_digits")
    for column in COLUMNS:
        op.drop_index(f'ix_incidents_{column}_pieces', table_name='incidents')
        op.create_index(f'ix_incidents_{column}_bigram', 'incidents',
                        [sa.text(f'bigrams({column})')], postgresql_using='gin')
    op.execute("DROP FUNCTION query_pieces(text); DROP FUNCTION text_pieces(text)")
