"""factory_boy factories for the market model."""

from __future__ import annotations

import factory
from eth_utils import to_checksum_address

from arbitrage.models import Chain, Dex, Opportunity, Pool, ReserveSnapshot, Threshold, Token, Trade


def address_for(n: int) -> str:
    return str(to_checksum_address(f"0x{n:040x}"))


class ChainFactory(factory.django.DjangoModelFactory[Chain]):
    class Meta:
        model = Chain
        django_get_or_create = ("chain_id",)

    chain_id = factory.Sequence(lambda n: 1000 + n)
    name = factory.LazyAttribute(lambda o: f"chain-{o.chain_id}")


class TokenFactory(factory.django.DjangoModelFactory[Token]):
    class Meta:
        model = Token

    chain = factory.SubFactory(ChainFactory)
    address = factory.Sequence(lambda n: address_for(0x1000 + n))
    symbol = factory.Sequence(lambda n: f"TK{n}")
    decimals = 18


class DexFactory(factory.django.DjangoModelFactory[Dex]):
    class Meta:
        model = Dex

    chain = factory.SubFactory(ChainFactory)
    name = factory.Sequence(lambda n: f"dex-{n}")
    factory_address = factory.Sequence(lambda n: address_for(0xFAC000 + n))
    fee_ppm = 3000


class PoolFactory(factory.django.DjangoModelFactory[Pool]):
    class Meta:
        model = Pool

    dex = factory.SubFactory(DexFactory)
    chain = factory.SelfAttribute("dex.chain")
    address = factory.Sequence(lambda n: address_for(0xB00000 + n))
    token0 = factory.SubFactory(TokenFactory, chain=factory.SelfAttribute("..chain"))
    token1 = factory.SubFactory(TokenFactory, chain=factory.SelfAttribute("..chain"))
    fee_ppm = 3000
    reserve0 = 10**21
    reserve1 = 2 * 10**21


class ReserveSnapshotFactory(factory.django.DjangoModelFactory[ReserveSnapshot]):
    class Meta:
        model = ReserveSnapshot

    pool = factory.SubFactory(PoolFactory)
    block_number = factory.Sequence(lambda n: 100 + n)
    reserve0 = 10**21
    reserve1 = 2 * 10**21
    timestamp = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


class ThresholdFactory(factory.django.DjangoModelFactory[Threshold]):
    class Meta:
        model = Threshold

    chain = factory.SubFactory(ChainFactory)


class OpportunityFactory(factory.django.DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    chain = factory.SubFactory(ChainFactory)
    block_number = factory.Sequence(lambda n: 1000 + n)
    cycle_key = factory.Sequence(lambda n: f"{n}-{n + 1}")
    pool_path = factory.LazyFunction(lambda: [1, 2])
    token_path = factory.LazyFunction(lambda: [1, 2, 1])
    start_token = factory.SubFactory(TokenFactory, chain=factory.SelfAttribute("..chain"))
    amount_in = 10**18
    amounts_out = factory.LazyFunction(lambda: [str(2 * 10**18), str(10**18 + 5)])
    gross_profit = 5
    net_profit = 3


class TradeFactory(factory.django.DjangoModelFactory[Trade]):
    class Meta:
        model = Trade

    opportunity = factory.SubFactory(OpportunityFactory)
