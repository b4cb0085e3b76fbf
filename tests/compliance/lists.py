"""Small sanctions lists the tests write themselves (no Django imports: the format tests
run without a database)."""

from __future__ import annotations

from pathlib import Path

ETH_LISTED = "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"  # an address OFAC lists (Tornado)

SDN_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>11/28/2026</Publish_Date><Record_Count>2</Record_Count></publshInformation>
  <sdnEntry>
    <uid>36001</uid><firstName>Ivan</firstName><lastName>PETROVSKY</lastName><sdnType>Individual</sdnType>
    <programList><program>CYBER2</program></programList>
    <akaList>
      <aka><uid>1</uid><type>a.k.a.</type><category>strong</category><lastName>Vanya the Ledger</lastName></aka>
    </akaList>
    <idList>
      <id><uid>2</uid><idType>Digital Currency Address - ETH</idType><idNumber>{eth}</idNumber></id>
      <id><uid>3</uid><idType>Digital Currency Address - XBT</idType><idNumber>1FfmbHfnpaZjKFvyi1okTjJJusN455paPH</idNumber></id>
    </idList>
  </sdnEntry>
  <sdnEntry>
    <uid>36002</uid><lastName>BLUE HARBOUR MIXING LTD.</lastName><sdnType>Entity</sdnType>
    <programList><program>CYBER2</program></programList>
  </sdnEntry>
{extra}</sdnList>
"""


def write_sdn(
    tmp_path: Path, *, eth: str = ETH_LISTED, extra: str = "", name: str = "sdn.xml"
) -> Path:
    path = tmp_path / name
    path.write_text(SDN_XML.format(eth=eth, extra=extra))
    return path
