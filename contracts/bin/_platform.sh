# Sourced by bin/forge and bin/anvil: the npm package suffix of this machine's Foundry binaries.
case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) foundry_platform=linux-amd64 ;;
    Linux-aarch64 | Linux-arm64) foundry_platform=linux-arm64 ;;
    Darwin-x86_64) foundry_platform=darwin-amd64 ;;
    Darwin-arm64) foundry_platform=darwin-arm64 ;;
    *) echo "contracts/bin: no Foundry binary for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
contracts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
