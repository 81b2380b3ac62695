export const USAGE = `Usage: bgpadvertiser --config FILE --advertise-ip IP

Announces IP/32 over BGP to every peer in FILE, with next hop localIP.

Options:
  --config FILE        advertiser config (YAML: localIP, localASN, peers[])
  --advertise-ip IP    the VIP to announce
  -h, --help           show this help
`;
