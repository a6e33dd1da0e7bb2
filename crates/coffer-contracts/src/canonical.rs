use alloy::primitives::{Address, B256, address, b256};

/// A contract of the canonical Safe suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CanonicalContract {
    /// The Safe singleton (GnosisSafe in 1.3.0).
    Safe,
    /// The L2 singleton, which emits extra events (GnosisSafeL2 in 1.3.0).
    SafeL2,
    /// The proxy factory (ProxyFactory in 1.3.0).
    SafeProxyFactory,
    /// The default fallback handler.
    CompatibilityFallbackHandler,
    /// MultiSend (allows inner delegatecalls).
    MultiSend,
    /// MultiSendCallOnly (refuses inner delegatecalls).
    MultiSendCallOnly,
    /// SignMessageLib.
    SignMessageLib,
    /// CreateCall.
    CreateCall,
    /// SimulateTxAccessor.
    SimulateTxAccessor,
}

/// One canonical deployment: the address Safe deployed it at on every chain, and its runtime
/// code hash (from `SAFE-COMPAT.md` section 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanonicalDeployment {
    /// The Safe release, e.g. `"1.4.1"`.
    pub version: &'static str,
    /// Which contract it is.
    pub contract: CanonicalContract,
    /// The deterministic address (Safe Singleton Factory).
    pub address: Address,
    /// keccak-256 of the runtime code.
    pub code_hash: B256,
}

const DEPLOYMENTS: &[CanonicalDeployment] = &[
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::Safe,
        address: address!("d9Db270c1B5E3Bd161E8c8503c55cEABeE709552"),
        code_hash: b256!("bba688fbdb21ad2bb58bc320638b43d94e7d100f6f3ebaab0a4e4de6304b1c2e"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::SafeL2,
        address: address!("3E5c63644E683549055b9Be8653de26E0B4CD36E"),
        code_hash: b256!("21842597390c4c6e3c1239e434a682b054bd9548eee5e9b1d6a4482731023c0f"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::SafeProxyFactory,
        address: address!("a6B71E26C5e0845f74c812102Ca7114b6a896AB2"),
        code_hash: b256!("337d7f54be11b6ed55fef7b667ea5488db53db8320a05d1146aa4bd169a39a9b"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::CompatibilityFallbackHandler,
        address: address!("f48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4"),
        code_hash: b256!("03e69f7ce809e81687c69b19a7d7cca45b6d551ffdec73d9bb87178476de1abf"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::MultiSend,
        address: address!("A238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761"),
        code_hash: b256!("0208282bd262360d0320862c5ac70f375f5ed3b9d89a83a615b4d398415bdc83"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::MultiSendCallOnly,
        address: address!("40A2aCCbd92BCA938b02010E17A5b8929b49130D"),
        code_hash: b256!("a9865ac2d9c7a1591619b188c4d88167b50df6cc0c5327fcbd1c8c75f7c066ad"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::SignMessageLib,
        address: address!("A65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2"),
        code_hash: b256!("3ac65dea3cc9dd0d7b7b800f834e3d73415b4e944bb94555c3e4a08fb137e918"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::CreateCall,
        address: address!("7cbB62EaA69F79e6873cD1ecB2392971036cFAa4"),
        code_hash: b256!("8155d988823a4f6f1bcbc76a64af8e510c4ce68819290d43cf24956bd24dee82"),
    },
    CanonicalDeployment {
        version: "1.3.0",
        contract: CanonicalContract::SimulateTxAccessor,
        address: address!("59AD6735bCd8152B84860Cb256dD9e96b85F69Da"),
        code_hash: b256!("b3fb9763869f2c09a2ac5a425d2dd6060bf7ef46b3899049d71a711e71e00f04"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::Safe,
        address: address!("41675C099F32341bf84BFc5382aF534df5C7461a"),
        code_hash: b256!("1fe2df852ba3299d6534ef416eefa406e56ced995bca886ab7a553e6d0c5e1c4"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::SafeL2,
        address: address!("29fcB43b46531BcA003ddC8FCB67FFE91900C762"),
        code_hash: b256!("b1f926978a0f44a2c0ec8fe822418ae969bd8c3f18d61e5103100339894f81ff"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::SafeProxyFactory,
        address: address!("4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"),
        code_hash: b256!("50c3cdc4074750a7a974204a716c999edd37482f907608d960b2b025ee0b3317"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::CompatibilityFallbackHandler,
        address: address!("fd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"),
        code_hash: b256!("7c6007a5d711cea8dfd5d91f5940ec29c7f200fe511eb1fc1397b367af3c42f9"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::MultiSend,
        address: address!("38869bf66a61cF6bDB996A6aE40D5853Fd43B526"),
        code_hash: b256!("0e4f7fc66550a322d1e7688e181b75e217e662a4f3f4d6a29b22bc61217c4b77"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::MultiSendCallOnly,
        address: address!("9641d764fc13c8B624c04430C7356C1C7C8102e2"),
        code_hash: b256!("ecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::SignMessageLib,
        address: address!("d53cd0aB83D845Ac265BE939c57F53AD838012c9"),
        code_hash: b256!("525c754a46b79e05543a59bb61e8de3c9eee0d955a59352409cbe67ea1077528"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::CreateCall,
        address: address!("9b35Af71d77eaf8d7e40252370304687390A1A52"),
        code_hash: b256!("2b3060c55fcb8275653e99ad511a71f67ba76934ed66a7d74d6e68b52afff889"),
    },
    CanonicalDeployment {
        version: "1.4.1",
        contract: CanonicalContract::SimulateTxAccessor,
        address: address!("3d4BA2E0884aa488718476ca2FB8Efc291A46199"),
        code_hash: b256!("91f82615581fc73b190b83d72e883608b25e392f72322035df1b13d51766cf8d"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::Safe,
        address: address!("Ff51A5898e281Db6DfC7855790607438dF2ca44b"),
        code_hash: b256!("dda019cbd7c867a533a2a86e5c53434fdc50b13122b5a5ddb4a8df61b31c20f2"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::SafeL2,
        address: address!("Edd160fEBBD92E350D4D398fb636302fccd67C7e"),
        code_hash: b256!("180193227186ccb85316c94db1f0d156ed932b14712cfaac78901899178572dc"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::SafeProxyFactory,
        address: address!("14F2982D601c9458F93bd70B218933A6f8165e7b"),
        code_hash: b256!("967dae4cda22b0c9ef7f31b010bdc1ceb0af9904b0c3dc060b5302e4c18a4529"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::CompatibilityFallbackHandler,
        address: address!("3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4"),
        code_hash: b256!("3c6a85bcf7b563daa624b884b4e9a1b9fa5371edde7be945d998071a48f28bbc"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::MultiSend,
        address: address!("218543288004CD07832472D464648173c77D7eB7"),
        code_hash: b256!("ca1147a12963172a93910c5cb2bfa5ad0e941c7f03fc7eb017dd06a8ea4e5604"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::MultiSendCallOnly,
        address: address!("A83c336B20401Af773B6219BA5027174338D1836"),
        code_hash: b256!("cdbdcec38d2f1c7d961b0029ff8416b7e86e9974d6f0e9c9580c7d17fcfb6663"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::SignMessageLib,
        address: address!("4FfeF8222648872B3dE295Ba1e49110E61f5b5aa"),
        code_hash: b256!("d61840855da008da59a00fc03fb71455b4f70bdca1f56f9504f072ed8d90c50e"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::CreateCall,
        address: address!("2Ef5ECfbea521449E4De05EDB1ce63B75eDA90B4"),
        code_hash: b256!("6b7d8d29bdf7004c4617d95041923774f3f7e74b056bff55c1861c9ec92ce54f"),
    },
    CanonicalDeployment {
        version: "1.5.0",
        contract: CanonicalContract::SimulateTxAccessor,
        address: address!("07EfA797c55B5DdE3698d876b277aBb6B893654C"),
        code_hash: b256!("706db4bb6151f75a5b3845724174e201c59046dfbe65b4e5909ad4b88f8f752d"),
    },
];

/// Every canonical deployment coffer recognises (Safe 1.3.0, 1.4.1 and 1.5.0).
pub fn canonical_deployments() -> &'static [CanonicalDeployment] {
    DEPLOYMENTS
}

/// The canonical deployment whose runtime code hash is `code_hash`, if any.
pub fn canonical_by_code_hash(code_hash: B256) -> Option<&'static CanonicalDeployment> {
    DEPLOYMENTS.iter().find(|d| d.code_hash == code_hash)
}
