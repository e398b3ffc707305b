"""Behaviour of the rule extractor on sentences written for these tests."""

import pytest

import aidtrace


def records(text, published="2024-02-22"):
    return [
        (
            r.type,
            r.donor,
            r.recipient,
            r.amount.value if r.amount else None,
            r.amount.unit if r.amount else None,
            r.date,
        )
        for r in aidtrace.extract(text, published=published)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "On Monday, Norway announced NOK 7.5 billion in new support for Ukraine.",
            [("aid", "NOR", "UKR", 7.5e9, "NOK", "2024-02-19")],
        ),
        (
            "Canberra has committed A$100 million to Ukraine this year.",
            [("aid", "AUS", "UKR", 1e8, "AUD", "2024")],
        ),
        (
            "On 12 January 2024 the United Kingdom signed a security agreement with Ukraine.",
            [("agreement", "GBR", "UKR", None, None, "2024-01-12")],
        ),
        (
            "Last week Canada froze the assets of 60 individuals and entities in Russia and Belarus.",
            [
                ("sanction", "CAN", "RUS", 60, "entities", "2024-02"),
                ("sanction", "CAN", "BLR", 60, "entities", "2024-02"),
            ],
        ),
        (
            "Poland has welcomed more than 950,000 Ukrainian refugees since 2022, officials in Kyiv said.",
            [("refugees", "POL", "UKR", 950000, "people", None)],
        ),
        (
            "Chancellor Olaf Scholz travelled to Kyiv in June 2022.",
            [("diplomacy", "DEU", "UKR", None, None, "2022-06")],
        ),
    ],
)
def test_rules_extract_records_for_any_donor(text, expected):
    assert records(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Japan will consider visiting Kyiv if conditions allow.",
        "Japan has been providing extensive support to Ukraine.",
        "The World Bank estimates reconstruction in Ukraine will cost $486 billion.",
        "Germany could send more tanks to Ukraine next year.",
        "Japan pledged $8.5 million in emergency aid to earthquake victims in Turkey.",
        "Did Japan pledge $4.5 billion to Ukraine?",
        "The agreement also provides for further humanitarian assistance from Japan to Ukraine.",
        "The central bank said inflation fell to 4% as exports rose by $1.2 billion.",
    ],
)
def test_rules_assert_nothing_for_intentions_generalities_and_other_recipients(text):
    assert records(text) == []


def test_rules_read_aggregates_with_their_period():
    (record,) = aidtrace.extract(
        "Since March 2022, Sweden has committed over SEK 40 billion in military aid to Ukraine.",
        published="2024-06-01",
    )
    assert (record.aggregate, record.period, record.date, record.amount.approx) == (
        True,
        ("2022-03", "2024-06-01"),
        None,
        True,
    )


def test_rules_resolve_pronouns_to_the_discourse_donor():
    got = records(
        "Japan signed an accord with Ukraine on 13 June 2024. It also pledged $4.5 billion to Ukraine.",
        "2024-06-20",
    )
    assert got[-1][:5] == ("aid", "JPN", "UKR", 4.5e9, "USD")


def test_rules_pick_the_donors_currency_for_shared_names():
    (record,) = aidtrace.extract(
        "Denmark gave Ukraine 2.6 billion kroner in military aid on Monday.", published="2024-03-20"
    )
    assert record.amount.unit == "DKK"


def test_evidence_quotes_the_document():
    text = "Intro line\n\nOn Friday, Japan provided \\$1 billion to Ukraine."
    (record,) = aidtrace.extract(text, published="2024-03-01")
    assert text[record.evidence.start : record.evidence.end] == record.evidence.text
    assert record.evidence.text.startswith("On Friday")


@pytest.mark.parametrize(
    "second",
    [
        "Separately, it committed C$20 million to help neighbouring Moldova strengthen its energy grid.",
        "The budget will also pay out C$3 billion to farmers and households over five years.",
        "It also pledged C$5 million in emergency aid for Turkish earthquake victims.",
    ],
)
def test_rules_keep_support_for_others_out_of_a_ukraine_story(second):
    text = f"Canada has given Ukraine C$2 billion in military aid this year. {second}"
    assert [r[3] for r in records(text, "2024-06-01")] == [2e9]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "On Monday Sweden said it had trained 1,500 Ukrainian soldiers.",
            [("aid", "SWE", "UKR", 1500, "people", "2024-02-19")],
        ),
        ("Denmark has promised 19 F-16 fighter jets to Ukraine.", [("aid", "DNK", "UKR", 19, "items", None)]),
        (
            "Canberra has committed 120 Bushmaster protected mobility vehicles to Ukraine.",
            [("aid", "AUS", "UKR", 120, "items", None)],
        ),
    ],
)
def test_rules_count_goods_and_people_trained(text, expected):
    assert records(text) == expected


def test_rules_read_generic_support_and_mentioned_trips_as_no_record():
    text = (
        "Japan has also pledged its continued support for Ukraine this year. "
        "Lessons were learned from Kishida's Kyiv trip last March."
    )
    assert records(text) == []


def test_rules_list_items_continue_a_recent_record():
    text = (
        "New Zealand will provide a further NZ$16.5 million to support Ukraine, ministers announced today.\n"
        "The package includes:\n"
        "- NZ$7.5 million for the NATO Comprehensive Assistance Package trust fund;\n"
        "- NZ$5 million in humanitarian funding through United Nations agencies.\n"
    )
    got = aidtrace.extract(text, published="2024-02-24")
    assert [(r.donor, r.amount.value, r.stage, r.date) for r in got] == [
        ("NZL", 16.5e6, "pledged", "2024-02-24"),
        ("NZL", 7.5e6, "pledged", None),  # list items express no time of their own
        ("NZL", 5e6, "pledged", None),
    ]
    assert (got[1].channel, got[2].category) == ("NATO CAP", "humanitarian")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "On February 19 Japan hosted the Japan-Ukraine Conference for Economic Growth in Tokyo.",
            [("diplomacy", "JPN", "UKR", None, None, "2024-02-19")],
        ),
        (
            "On 27 May, Pedro Sánchez received Zelensky in Madrid.",
            [("diplomacy", "ESP", "UKR", None, None, "2024-05-27")],
        ),
        ("His visit coincided with a summit held in Moscow, in solidarity with Ukraine.", []),
        (
            "The US$150 million that Korea committed to Ukraine for 2023 was disbursed.",
            [("aid", "KOR", "UKR", 1.5e8, "USD", "2023")],
        ),
    ],
)
def test_rules_hosts_months_and_currency_prefixes(text, expected):
    assert records(text, "2024-07-01") == expected


@pytest.mark.parametrize(
    ("text", "aggregate", "period"),
    [
        (
            "Since Russia's full-scale invasion in February 2022, Washington has committed more than $50 billion to Ukraine.",
            True,
            ("2022-02", "2024-06-01"),
        ),
        (
            "The UK has sanctioned more than 2,000 individuals and entities since February 2022 over Russia's war in Ukraine.",
            True,
            ("2022-02", "2024-06-01"),
        ),
        ("On Monday Japan pledged $1 billion to Ukraine, its largest package since 2022.", False, None),
        (
            "Japan pledged $4.5 billion to Ukraine, of which $1 billion is humanitarian aid, since last year.",
            True,
            ("2023", "2024-06-01"),
        ),
    ],
)
def test_rules_running_totals_are_aggregates_with_periods(text, aggregate, period):
    first = aidtrace.extract(text, published="2024-06-01")[0]
    assert (first.aggregate, first.period) == (aggregate, period)


@pytest.mark.parametrize(
    "text",
    [
        "Norway and Ukraine: two years of support\n\nOslo said more would follow.",
        "Should the frozen assets earn more, Canada will pay C$1 billion to Ukraine early.",
        "Extra revenue could come from profits earned on immobilised assets of the Central Bank of Russia.",
        "A year earlier, the assessment had put the figure for Ukraine at $486 billion.",
        "Kishida made the pledge to Ukraine in a speech at a symposium.",
        '"Now it has to deliver the shells to Ukraine," an official said.',
    ],
)
def test_rules_skip_headings_conditions_adjectives_estimates_and_back_references(text):
    assert records(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Netherlands has put €250 million into the Czech initiative to buy shells for Ukraine.",
            [("aid", "NLD", "UKR", 2.5e8, "EUR", None)],
        ),
        (
            "On 20 June the European Commission signed grant and guarantee agreements with Ukraine worth €1.4 billion.",
            [("aid", "EU", "UKR", 1.4e9, "EUR", "2024-06-20")],
        ),
        (
            "In April 2022, Japan withdrew most-favoured-nation treatment from Russia over the war in Ukraine.",
            [("sanction", "JPN", "RUS", None, None, "2022-04")],
        ),
    ],
)
def test_rules_read_more_ways_of_giving_and_sanctioning(text, expected):
    assert records(text, "2024-07-01") == expected


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Norway announced NOK 7.5 billion in new civilian and military support for Ukraine.", "mixed"),
        (
            "Sweden will pay SEK 300 million into NATO's Comprehensive Assistance Package for Ukraine.",
            "military",
        ),
        (
            "New Zealand gave a NZ$4 million grant through the World Bank to keep Ukrainian hospitals running.",
            "financial",
        ),
        ("Canada said it would lend Ukraine C$5 billion.", "financial"),
        ("Japan provided Ukraine with helmets, bulletproof vests, food rations and medicines.", "mixed"),
    ],
)
def test_rules_categories(text, category):
    (record,) = aidtrace.extract(text, published="2024-06-01")
    assert record.category == category


def test_a_capitalised_trigger_inside_a_sentence_is_a_name():
    text = "New Zealand has today frozen the assets of 60 entities in Russia, under the Russia Sanctions Act."
    assert [
        (r.type, r.amount.value if r.amount else None) for r in aidtrace.extract(text, published="2024-02-24")
    ] == [("sanction", 60)]


def test_rules_main_verb_decides_the_type_and_participle_clauses_continue_it():
    text = (
        "G7 leaders agreed to provide Ukraine with $50 billion in loans, serviced from profits on Russian assets "
        "immobilised in the West. The EU on Saturday adopted measures against Belarus, banning imports of "
        "Belarusian gold and tightening controls on exports of dual-use goods."
    )
    got = [(r.type, r.donor, r.recipient) for r in aidtrace.extract(text, published="2024-07-01")]
    assert got == [
        ("aid", "G7", "UKR"),
        ("sanction", "EU", "BLR"),
        ("sanction", "EU", "BLR"),
        ("sanction", "EU", "BLR"),
    ]


def test_rules_pair_donors_listed_after_the_verb_with_their_amounts():
    text = "Ukraine's allies are lending the money. Ottawa has committed C$5 billion, and Tokyo ¥471.9 billion, or roughly $3 billion."
    got = [(r.donor, r.amount.unit) for r in aidtrace.extract(text, published="2024-12-18")]
    assert got == [("CAN", "CAD"), ("JPN", "JPY")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Zelensky, who had flown in from Spain on Tuesday, was received by De Croo in Brussels.",
            [
                ("diplomacy", "BEL", "UKR", None, None, None)
            ],  # "on Tuesday" dates the flight, in its own clause
        ),
        (
            "These sums look small next to Germany, which announced a further package for Ukraine worth €1.1 billion.",
            [("aid", "DEU", "UKR", 1.1e9, "EUR", None)],
        ),
        (
            "On Monday in Madrid, Prime Minister Pedro Sánchez signed a security pact with the Ukrainian leader.",
            [
                ("agreement", "ESP", "UKR", None, None, "2024-05-27"),
                ("diplomacy", "ESP", "UKR", None, None, "2024-05-27"),
            ],
        ),
        (
            "Tallinn handed over all of its 155 mm howitzers to Ukraine.",
            [("aid", "EST", "UKR", None, None, None)],
        ),
        (
            "De Croo told reporters that the first jets should reach Ukraine soon and that Belgium would provide €977 million.",
            [("aid", "BEL", "UKR", 9.77e8, "EUR", None)],
        ),
    ],
)
def test_rules_hosts_relative_subjects_signings_calibres_and_long_reports(text, expected):
    assert records(text, "2024-05-29") == expected
