-- Shared expressions, defined once; views and analysts call them by name.

-- The Amsterdam calendar day of a TIMESTAMPTZ: every figure is counted per Amsterdam day,
-- whatever the machine's or the analyst's time zone (klantstem/clock.py in Python).
CREATE OR REPLACE MACRO amsterdam_day(ts) AS CAST(timezone('Europe/Amsterdam', ts) AS DATE);

-- The polarity of a neg/neu/pos label on the sentiment_score scale [-1, 1]: a person's
-- correction is a certain verdict, so a corrected mention scores -1, 0 or 1.
CREATE OR REPLACE MACRO label_polarity(label) AS
    CASE label WHEN 'neg' THEN -1.0 WHEN 'neu' THEN 0.0 WHEN 'pos' THEN 1.0 END;
