"""The compiled privileged-action matcher decides exactly what per-pair fnmatch decided:
a grant and a privileged pattern overlap when either, lower-cased, matches the other
(IAM wildcards ``*`` and ``?``; actions are case-insensitive)."""

from __future__ import annotations

import fnmatch
import itertools
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.context import ActionMatcher

ROOT = Path(__file__).resolve().parent.parent


def reference(privileged: list[str], granted: str) -> bool:
    g = granted.lower()
    return any(fnmatch.fnmatchcase(p.lower(), g) or fnmatch.fnmatchcase(g, p.lower()) for p in privileged)


def default_actions() -> dict[str, list[str]]:
    doc = yaml.safe_load((ROOT / "policies/defaults.yaml").read_text())
    return doc["privileged"]["actions"]


GRANTS = [
    # literal, any case
    "iam:CreateUser", "IAM:CREATEUSER", "iam:createuser", "iam:GetUser", "s3:PutBucketPolicy", "s3:GetObject",
    # wildcards that cover a privileged action, or do not
    "*", "*:*", "iam:*", "IAM:*", "iam:Create*", "iam:Get*", "iam:List*", "s3:Get*", "s3:Put*", "s3:Put*Policy",
    "ec2:Describe*", "ec2:Authorize*", "kms:*Key*", "kms:Schedule*", "i*", "*User", "*user*", "iam:*User",
    "iam:?reateUser", "iam:CreateUse?", "iam:CreateUser?", "iam:CreateUser*", "iam:C*r", "iam:??????????",
    "iam:???????????", "cloud*:Stop*", "logs:Put*", "logs:Delete*Group", "organizations:*Policy",
    "s3:*", "s3*", "*:Put*", "?am:PassRole", "iam:PassRole", "iam:Pass*", "config:Stop*",
    # brackets (not IAM syntax, but fnmatch's: the matcher must agree all the same)
    "[", "iam:[cC]reateUser", "iam:Create[!U]ser", "iam:[", "s3:Put[BE]*",
    # GCP and Azure shapes
    "storage.buckets.setIamPolicy", "storage.buckets.*", "*.setIamPolicy", "resourcemanager.projects.setIamPolicy",
    "iam.serviceAccounts.*", "iam.roles.get", "logging.*", "Microsoft.Authorization/*", "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.KeyVault/vaults/*", "*/write", "Microsoft.Insights/diagnosticSettings/*", "Microsoft.Compute/*/read",
    "", "?", "**", "*?*",
]


def test_agrees_with_fnmatch_on_the_default_lists_and_a_corpus_of_grants():
    for provider, privileged in default_actions().items():
        match = ActionMatcher(privileged)
        for g in GRANTS:
            assert match(g) is reference(privileged, g), (provider, g)
    # and the corpus against itself: privileged patterns with wildcards of their own
    for size in (1, 2, 5):
        for privileged in itertools.islice(itertools.combinations(GRANTS, size), 400):
            match = ActionMatcher(privileged)
            for g in GRANTS:
                assert match(g) is reference(list(privileged), g), (privileged, g)


def test_first_is_the_first_overlapping_grant_in_order():
    match = ActionMatcher(["iam:PassRole", "s3:PutBucketPolicy"])
    assert match.first(["s3:GetObject", "S3:Put*", "iam:PassRole"]) == "S3:Put*"
    assert match.first(["s3:GetObject", "ec2:Describe*"]) is None
    assert ActionMatcher([]).first(["*"]) is None


_ALPHABET = "aAbB:*?[]!."


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(_ALPHABET, max_size=6), max_size=4), st.text(_ALPHABET, max_size=6))
def test_agrees_with_fnmatch_on_generated_patterns(privileged, granted):
    assert ActionMatcher(privileged)(granted) is reference(privileged, granted)
