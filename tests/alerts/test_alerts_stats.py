"""The statistics behind the alert rules: calibrated on null data, and robust to the ways
real review streams are not textbook binomial (angry weekends, noisy days, quiet Sundays)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from alerts.stats import (
    expected_volume,
    negative_share_test,
    rating_drop_test,
    volume_test,
    weekday_shares,
)
from alerts.terms import Term, guess_language, over_represented, tokens

WEEKDAYS = np.arange(28) % 7  # four weeks, Monday first


def test_with_a_large_baseline_the_negative_share_test_is_the_exact_binomial_test() -> None:
    result = negative_share_test(24, 36, np.full(28, 100_000), np.full(28, 1_000_000))
    assert result.test == "binomial"
    assert result.expected == pytest.approx(0.1, abs=1e-6)
    assert result.p_value == pytest.approx(binomtest(24, 36, 0.1, alternative="greater").pvalue, rel=0.05)


def test_a_small_baseline_makes_the_test_more_cautious_not_more_confident() -> None:
    small = negative_share_test(12, 40, np.full(28, 1), np.full(28, 10))
    large = negative_share_test(12, 40, np.full(28, 100), np.full(28, 1000))
    assert small.p_value > large.p_value


def _null_false_alarm_rate(rng: np.random.Generator, concentration: float | None, mode: str, reps: int = 1500) -> tuple[float, set[str]]:
    """Share of new days with p < 1% when nothing happens; day shares ~ Beta around 15%."""
    alarms, labels = 0, set()
    for _ in range(reps):
        n = rng.poisson(120, 29)
        share = rng.beta(0.15 * concentration, 0.85 * concentration, 29) if concentration else np.full(29, 0.15)
        k = rng.binomial(n, share)
        result = negative_share_test(int(k[-1]), int(n[-1]), k[:-1], n[:-1], mode)
        alarms += result.p_value < 0.01
        labels.add(result.test)
    return alarms / 1500, labels


def test_on_overdispersed_days_the_beta_binomial_keeps_false_alarms_near_nominal() -> None:
    rng = np.random.default_rng(1)
    auto, labels = _null_false_alarm_rate(rng, concentration=25, mode="auto")
    plain, _ = _null_false_alarm_rate(np.random.default_rng(1), concentration=25, mode="binomial")
    assert "beta-binomial" in labels
    assert auto <= 0.02, "about the nominal 1%"
    assert plain >= 3 * auto, "a binomial test would cry wolf on ordinary noisy days"


def test_on_binomial_days_the_test_stays_binomial_and_calibrated() -> None:
    rate, labels = _null_false_alarm_rate(np.random.default_rng(2), concentration=None, mode="auto")
    assert rate <= 0.015
    assert "binomial" in labels


def test_angrier_weekends_are_expected_not_alarming() -> None:
    n = np.full(28, 100)
    k = np.where(WEEKDAYS >= 5, 30, 10)  # 30% negative on Saturday and Sunday, 10% on weekdays
    sunday, wednesday = np.eye(7)[6], np.eye(7)[2]
    on_sunday = negative_share_test(30, 100, k, n, "auto", WEEKDAYS, sunday)
    on_wednesday = negative_share_test(30, 100, k, n, "auto", WEEKDAYS, wednesday)
    assert on_sunday.expected == pytest.approx(0.3, abs=0.03)
    assert on_sunday.p_value > 0.1
    assert on_wednesday.expected == pytest.approx(0.1, abs=0.03)
    assert on_wednesday.p_value < 1e-4
    assert on_wednesday.test == "binomial", "the weekday pattern is not mistaken for overdispersion"
    shares = weekday_shares(k, n, WEEKDAYS)
    assert shares[5] > shares[0]


def test_a_sunday_volume_spike_is_caught_even_below_a_normal_monday() -> None:
    weekly = np.array([100, 95, 90, 90, 85, 40, 30])
    counts = weekly[WEEKDAYS] + np.tile([3, -2, 1, -1, 2, -3, 1], 4)
    sunday, monday = np.eye(7)[6], np.eye(7)[0]
    expected_sunday, _ = expected_volume(counts, WEEKDAYS, sunday)
    assert expected_sunday == pytest.approx(35, abs=8)
    spike = volume_test(95, counts, WEEKDAYS, sunday)
    assert spike.p_value < 1e-6 and 95 / spike.expected > 2
    normal_monday = volume_test(104, counts, WEEKDAYS, monday)
    assert normal_monday.p_value > 0.1
    flat = volume_test(95, counts, WEEKDAYS, sunday, seasonal=False)
    assert flat.p_value > 0.01, "without weekday factors the Sunday spike drowns in the weekly mean"


def test_volume_counts_that_vary_a_lot_use_the_negative_binomial() -> None:
    rng = np.random.default_rng(3)
    noisy = rng.negative_binomial(3, 3 / (3 + 60), 28)
    calm = rng.poisson(60, 28)
    week = np.eye(7)[2]
    assert volume_test(150, noisy, WEEKDAYS, week).test == "negative-binomial"
    assert volume_test(150, calm, WEEKDAYS, week).test == "poisson"
    assert volume_test(150, noisy, WEEKDAYS, week).p_value > volume_test(150, calm, WEEKDAYS, week).p_value


def test_a_rating_drop_is_significant_only_when_the_mean_really_falls() -> None:
    dropped = rating_drop_test(30, 0.30, 0.09, 600, 0.72, 0.08)
    same = rating_drop_test(30, 0.70, 0.09, 600, 0.72, 0.08)
    assert dropped.p_value < 1e-8 and dropped.expected == pytest.approx(0.72)
    assert same.p_value > 0.2
    assert rating_drop_test(1, 0.0, 0.0, 600, 0.72, 0.08).p_value == 1.0, "one review proves nothing"


def test_dutch_tokens_drop_stop_words_and_keep_the_complaint() -> None:
    words = tokens("Ik heb al DRIE dagen geen pakket ontvangen, en de klantenservice reageert niet!")
    assert words == ["drie", "dagen", "pakket", "ontvangen", "klantenservice", "reageert"]
    assert tokens("Één café, reeds geleverd") == ["café", "geleverd"]


def test_top_terms_are_the_words_over_represented_in_the_window() -> None:
    window = ["Storing in de app, inloggen lukt niet"] * 8 + ["Pakket te laat"] * 4
    baseline = ["Pakket te laat bezorgd"] * 40 + ["Klantenservice reageert niet"] * 40 + ["app werkt prima"] * 3
    terms = over_represented(window, baseline, top=3)
    assert {"storing", "inloggen"} <= {t.term for t in terms}, "new words, absent from the baseline, lead"
    assert "pakket" not in [t.term for t in terms], "usual complaints are not news"
    assert all(t.window_docs >= 2 for t in terms)


def test_french_and_english_tokens_use_their_own_stop_words_and_cut_elisions() -> None:
    assert guess_language("Le colis n'est jamais arrivé et le service client ne répond pas") == "fr"
    assert guess_language("The parcel never arrived and nobody answers the phone") == "en"
    assert guess_language("Pakket kwam niet aan en niemand neemt de telefoon op") == "nl"
    assert tokens("L’application plante, et le service d'assistance ne répond pas") == [
        "application", "plante", "service", "assistance", "répond"]
    assert tokens("The app keeps crashing and the support never replies") == [
        "app", "keeps", "crashing", "support", "never", "replies"]


def test_top_terms_are_counted_per_language_and_say_which() -> None:
    window = ["Le colis est arrivé en retard, encore une fois"] * 6 + ["Storing in de app, inloggen lukt niet"] * 6
    baseline = (["La qualité est très bonne et le prix est correct"] * 30
                + ["Het pakket kwam netjes op tijd aan"] * 30)
    terms = over_represented(window, baseline, top=10)
    languages = {t.term: t.language for t in terms}
    assert languages.get("retard") == "fr" and languages.get("storing") == "nl"
    assert "encore" not in languages and "fois" not in languages, "French filler is not a topic"


def test_the_message_names_each_term_s_language_only_when_they_are_mixed() -> None:
    from alerts.message import terms_text

    def term(word: str, language: str) -> Term:
        return Term(word, 5, 0, 3.0, 1.0, language)

    assert terms_text([term("retard", "fr"), term("storing", "nl")]) == "retard (fr), storing (nl)"
    assert terms_text([term("storing", "nl"), term("inloggen", "nl")]) == "storing, inloggen"
