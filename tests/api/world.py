"""A small market with one of every row the API serves, for permission and schema tests."""

from __future__ import annotations

from dataclasses import dataclass

from django_celery_beat.models import PeriodicTask

from accounts.audit import AuditAction, audit_record
from accounts.models import AuditEvent, User
from arbitrage.models import (
    Chain,
    Dex,
    ExecutionControl,
    Opportunity,
    Pool,
    Threshold,
    Token,
    Trade,
)
from arbitrage.services.schedules import schedules_install
from compliance import kyc
from compliance.models import (
    KycCase,
    KycDocument,
    Party,
    Payout,
    SanctionsList,
    ScreeningResult,
    Wallet,
)
from tests.factories import (
    OpportunityFactory,
    PoolFactory,
    ThresholdFactory,
    TokenFactory,
    TradeFactory,
    address_for,
)


@dataclass
class World:
    chain: Chain
    token: Token
    spare0: Token
    spare1: Token
    dex: Dex
    pool: Pool
    threshold: Threshold
    control: ExecutionControl
    schedule: PeriodicTask
    opportunity: Opportunity
    trade: Trade
    user: User
    compliance_event: AuditEvent
    config_event: AuditEvent
    sanctions_list: SanctionsList
    party: Party
    wallet: Wallet
    case: KycCase
    submitted_case: KycCase
    review_case: KycCase
    document: KycDocument
    result: ScreeningResult
    approved_wallet: Wallet
    payout: Payout

    def ids(self) -> dict[str, int]:
        return {name: getattr(self, name).pk for name in self.__dataclass_fields__}


PDF = b"%PDF-1.4\n%%EOF\n"


def compliance_rows(chain: Chain, token: Token, maker: User) -> dict[str, object]:
    """A party with a case in each state the API acts on, a document, a hit, an approved
    party's wallet and a payout to it. `maker` made everything, so another officer may decide."""
    checker = User.objects.create_user(username="checker", password="another strong pass 98")
    sanctions_list = SanctionsList.objects.create(format="sdn_xml", filename="sdn.xml", sha256="0")
    party = kyc.party_create(actor=maker, name="Grace Hopper", country="US")
    wallet = kyc.wallet_add(party_id=party.pk, chain=chain, address=new_address(10), actor=maker)
    case = kyc.case_open(party_id=party.pk, actor=maker)
    document = kyc.document_add(case_id=case.pk, actor=maker, content=PDF, filename="id.pdf")
    submitted = kyc.case_open(party_id=party.pk, actor=maker)
    kyc.case_submit(case_id=submitted.pk, actor=maker)
    review = kyc.case_open(party_id=party.pk, actor=maker)
    kyc.case_submit(case_id=review.pk, actor=maker)
    kyc.case_claim(case_id=review.pk, actor=checker)
    # A hit on another party (one on this party would stop its approval).
    other = kyc.party_create(actor=maker, name="Hedy Lamarr", country="AT")
    result = ScreeningResult.objects.create(
        subject_type="party",
        subject_id=other.pk,
        version=sanctions_list,
        entry_uid="1",
        matched="Hedy Lamarr",
        score=100,
    )
    approved = kyc.party_create(actor=maker, name="Ada Byron", country="GB")
    approved_wallet = kyc.wallet_add(
        party_id=approved.pk, chain=chain, address=new_address(11), actor=maker
    )
    done = kyc.case_open(party_id=approved.pk, actor=maker)
    kyc.case_submit(case_id=done.pk, actor=maker)
    kyc.case_claim(case_id=done.pk, actor=checker)
    kyc.case_approve(case_id=done.pk, actor=checker, reason="verified")
    payout = Payout.objects.create(wallet=approved_wallet, token=token, amount=1)
    return {
        "sanctions_list": sanctions_list,
        "party": party,
        "wallet": wallet,
        "case": case,
        "submitted_case": submitted,
        "review_case": review,
        "document": document,
        "result": result,
        "approved_wallet": approved_wallet,
        "payout": payout,
    }


def build_world() -> World:
    pool = PoolFactory()
    chain = pool.chain
    opportunity = OpportunityFactory(chain=chain, start_token=pool.token0)
    traded = OpportunityFactory(chain=chain, start_token=pool.token0)
    user = User.objects.create_user(username="target", password="another strong pass 99")
    threshold = ThresholdFactory(chain=chain)
    return World(
        chain=chain,
        token=pool.token0,
        # Two tokens without a pool, in Uniswap's order (factory addresses grow).
        spare0=TokenFactory(chain=chain),
        spare1=TokenFactory(chain=chain),
        dex=pool.dex,
        pool=pool,
        threshold=threshold,
        control=ExecutionControl.objects.create(chain=chain),
        schedule=schedules_install(chain=chain)[0],
        opportunity=opportunity,
        trade=TradeFactory(opportunity=traded),
        user=user,
        compliance_event=audit_record(
            action=AuditAction.COMPLIANCE_KYC_APPROVED, target=user, after={"case": 1}
        ),
        config_event=audit_record(
            action=AuditAction.CONFIG_UPDATED, target=threshold, after={"max_hops": 3}
        ),
        **compliance_rows(chain, pool.token0, user),
    )


def new_address(n: int) -> str:
    return address_for(0xC0FFEE00 + n)
