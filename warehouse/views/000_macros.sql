-- Shared expressions, defined once; views and analysts call them by name.

-- The Amsterdam calendar day of a TIMESTAMPTZ: every figure is counted per Amsterdam day,
-- whatever the machine's or the analyst's time zone (klantstem/clock.py in Python).
CREATE OR REPLACE MACRO amsterdam_day(ts) AS CAST(timezone('Europe/Amsterdam', ts) AS DATE);

-- The polarity of a neg/neu/pos label on the sentiment_score scale [-1, 1]: a person's
-- correction is a certain verdict, so a corrected mention scores -1, 0 or 1.
CREATE OR REPLACE MACRO label_polarity(label) AS
    CASE label WHEN 'neg' THEN -1.0 WHEN 'neu' THEN 0.0 WHEN 'pos' THEN 1.0 END;

-- The importance x performance quadrant of a key driver (views key_driver_matrix*): an aspect
-- that weighs at least the brand's average weight and performs below the brand's average score
-- is fixed first; see warehouse/views/044_insights_drivers.sql for the four quadrants.
CREATE OR REPLACE MACRO driver_quadrant(weight, avg_weight, score, avg_score) AS
    CASE
        WHEN weight >= avg_weight AND score < avg_score THEN 'fix_first'
        WHEN weight >= avg_weight THEN 'keep'
        WHEN score < avg_score THEN 'monitor'
        ELSE 'overkill'
    END;

-- The Dutch label of a quadrant, as reputation managers read it.
CREATE OR REPLACE MACRO driver_quadrant_label(quadrant) AS
    CASE quadrant
        WHEN 'fix_first' THEN 'Eerst verbeteren'
        WHEN 'keep' THEN 'Vasthouden'
        WHEN 'monitor' THEN 'In de gaten houden'
        ELSE 'Minder belangrijk'
    END;
