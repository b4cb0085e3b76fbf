"""A small market with one of every row the API serves, for permission and schema tests."""

from __future__ import annotations

from dataclasses import dataclass

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
    opportunity: Opportunity
    trade: Trade
    user: User
    compliance_event: AuditEvent
    config_event: AuditEvent

    def ids(self) -> dict[str, int]:
        return {name: getattr(self, name).pk for name in self.__dataclass_fields__}


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
        opportunity=opportunity,
        trade=TradeFactory(opportunity=traded),
        user=user,
        compliance_event=audit_record(
            action=AuditAction.COMPLIANCE_KYC_APPROVED, target=user, after={"case": 1}
        ),
        config_event=audit_record(
            action=AuditAction.CONFIG_UPDATED, target=threshold, after={"max_hops": 3}
        ),
    )


def new_address(n: int) -> str:
    return address_for(0xC0FFEE00 + n)
