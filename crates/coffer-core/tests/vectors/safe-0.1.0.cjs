// Run: node crates/coffer-core/tests/vectors/safe-0.1.0.cjs (ethers 5 from script/toolchain, installed by script/bootstrap).
// Prints the values pinned by coffer-core's test `safe_0_1_0_hashes_with_data_gas`.
// Independent golden vector for Safe 0.1.0 (SafeTx with dataGas), with ethers' EIP-712 encoder.
const e = require(require('path').join(__dirname, '../../../../.tools/node_modules/ethers')); const TypedDataEncoder = e.TypedDataEncoder || e.utils._TypedDataEncoder; const keccak256 = e.keccak256 || e.utils.keccak256; const toUtf8Bytes = e.toUtf8Bytes || e.utils.toUtf8Bytes;
const types = { SafeTx: [
  { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' },
  { name: 'operation', type: 'uint8' }, { name: 'safeTxGas', type: 'uint256' }, { name: 'dataGas', type: 'uint256' },
  { name: 'gasPrice', type: 'uint256' }, { name: 'gasToken', type: 'address' }, { name: 'refundReceiver', type: 'address' },
  { name: 'nonce', type: 'uint256' } ] };
const domain = { verifyingContract: '0xd6f5Bef6bb4acD235CF85c0ce196316d10785d67' };
const msg = { to: '0x000000000000000000000000000000000000dEaD', value: '1000000000000000000', data: '0xa9059cbb',
  operation: 0, safeTxGas: '50000', dataGas: '21000', gasPrice: '1000000000', gasToken: '0x0000000000000000000000000000000000000000',
  refundReceiver: '0x1111111111111111111111111111111111111111', nonce: '3' };
console.log('typehash', keccak256(toUtf8Bytes('SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 dataGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)')));
console.log('domain', TypedDataEncoder.hashDomain(domain));
console.log('struct', TypedDataEncoder.from(types).hash(msg));
console.log('hash', TypedDataEncoder.hash(domain, types, msg));
const types1 = { SafeTx: types.SafeTx.map(f => f.name === 'dataGas' ? { name: 'baseGas', type: 'uint256' } : f) };
const msg1 = { ...msg, baseGas: msg.dataGas }; delete msg1.dataGas;
console.log('hash_as_1_0_0', TypedDataEncoder.hash(domain, types1, msg1));
