// Run: node crates/coffer-core/tests/vectors/social-recovery.cjs (ethers from script/toolchain, installed by script/bootstrap).
// Prints the values pinned by coffer-core's test `social_recovery_digest_golden` (tests/golden.rs): the Candide
// SocialRecoveryModule's EIP-712 guardian confirmation (MODULES.md section 4), with ethers' EIP-712 encoder.
const e = require(require('path').join(__dirname, '../../../../.tools/node_modules/ethers')); const TypedDataEncoder = e.TypedDataEncoder || e.utils._TypedDataEncoder; const keccak256 = e.keccak256 || e.utils.keccak256; const toUtf8Bytes = e.toUtf8Bytes || e.utils.toUtf8Bytes;
const types = { ExecuteRecovery: [
  { name: 'wallet', type: 'address' }, { name: 'newOwners', type: 'address[]' },
  { name: 'newThreshold', type: 'uint256' }, { name: 'nonce', type: 'uint256' } ] };
const domain = { name: 'Social Recovery Module', version: '0.0.1', chainId: 11155111, verifyingContract: '0x4Aa5Bf7D840aC607cb5BD3249e6Af6FC86C04897' };
const msg = { wallet: '0x1111111111111111111111111111111111111111',
  newOwners: ['0x2222222222222222222222222222222222222222', '0x3333333333333333333333333333333333333333'], newThreshold: '2', nonce: '7' };
console.log('domain_typehash', keccak256(toUtf8Bytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')));
console.log('typehash', keccak256(toUtf8Bytes('ExecuteRecovery(address wallet,address[] newOwners,uint256 newThreshold,uint256 nonce)')));
console.log('domain', TypedDataEncoder.hashDomain(domain));
console.log('struct', TypedDataEncoder.from(types).hash(msg));
console.log('hash', TypedDataEncoder.hash(domain, types, msg));
