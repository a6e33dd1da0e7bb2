// Run: node crates/coffer-core/tests/vectors/allowance.cjs (ethers 5 from script/toolchain, installed by script/bootstrap).
// Prints the values pinned by coffer-core's test `allowance_golden` (tests/allowance_golden.rs).
// Independent golden vectors for the AllowanceModule transfer digest, computed with ethers, not with coffer:
// 0.1.1/1.0.0 with ethers' EIP-712 encoder; 0.1.0's flawed digest by hand (its typehash omits `address to`,
// its encoding keeps it), with ethers' ABI coder.
const e = require(require('path').join(__dirname, '../../../../.tools/node_modules/ethers'));
const TDE = e.TypedDataEncoder || e.utils._TypedDataEncoder; const keccak256 = e.keccak256 || e.utils.keccak256;
const toUtf8Bytes = e.toUtf8Bytes || e.utils.toUtf8Bytes; const coder = e.AbiCoder ? e.AbiCoder.defaultAbiCoder() : e.utils.defaultAbiCoder;
const concat = e.concat || e.utils.concat;
const types = { AllowanceTransfer: [
  { name: 'safe', type: 'address' }, { name: 'token', type: 'address' }, { name: 'to', type: 'address' },
  { name: 'amount', type: 'uint96' }, { name: 'paymentToken', type: 'address' }, { name: 'payment', type: 'uint96' },
  { name: 'nonce', type: 'uint16' } ] };
const domain = { chainId: 11155111, verifyingContract: '0xAA46724893dedD72658219405185Fb0Fc91e091C' };
const msg = { safe: '0x1234567890123456789012345678901234567890', token: '0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238',
  to: '0x000000000000000000000000000000000000dEaD', amount: '2500000000', paymentToken: '0x0000000000000000000000000000000000000000',
  payment: '0', nonce: 7 };
console.log('v011_digest', TDE.hash(domain, types, msg));
const d010 = { chainId: 11155111, verifyingContract: '0xCFbFaC74C26F8647cBDb8c5caf80BB5b32E43134' };
const th010 = keccak256(toUtf8Bytes('AllowanceTransfer(address safe,address token,uint96 amount,address paymentToken,uint96 payment,uint16 nonce)'));
const s010 = keccak256(coder.encode(['bytes32','address','address','address','uint96','address','uint96','uint16'],
  [th010, msg.safe, msg.token, msg.to, msg.amount, msg.paymentToken, msg.payment, msg.nonce]));
console.log('v010_struct', s010);
console.log('v010_digest', keccak256(concat(['0x1901', TDE.hashDomain(d010), s010])));
console.log('v010_typed_data_digest_rejected', TDE.hash(d010, types, msg));
