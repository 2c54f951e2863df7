import Testing
@testable import N2NWire

/// The user/password key derivations against the stock 3.1.1 vectors (v3 spec 6.6, 6.7).
@Suite struct UserPasswordKeyTests {
    @Test(arguments: [
        ("logan", "007", "nHWum+r42k1qDXdIeH-WFKeylK5UyLStRzxofRNAgpG"),
        ("sister", "007", "HwHpPrdMft+38tFDDiunUds6927t0+zhCMMkQdJafcC"),
        ("alice", "secret", "ROMg4FBgfOcHeWb5QKC-XQi6tvTCIx4q6-DeJ7Wrd2O"),
    ])
    func userKeysMatchTheStockKeygen(user: String, password: String, expected: String) {
        #expect(KeyText.encode(UserPasswordKeys.publicKey(user: user, password: password)) == expected)
    }

    @Test(arguments: [
        ("secretFed", "opIyaWhWjKLJSNOHNpKnGmelhHWRqkmY5pAx7lbDHp4"),
        ("Federation", "i0IuBFO0RC22m2Ya32uUUFUA2yfQSwsxVZ3-S5F2k7O"),
        ("*Federation", "i0IuBFO0RC22m2Ya32uUUFUA2yfQSwsxVZ3-S5F2k7O"),  // the '*' is not hashed
    ])
    func federationKeysMatchTheStockKeygen(name: String, expected: String) {
        #expect(KeyText.encode(UserPasswordKeys.federationPublicKey(name: name)) == expected)
    }

    @Test func privateKeyOfTheToolsVector() {
        // tests-auth: generate_private_key("00420mG51WS82GeB30qE3m") = H256(H256(s)), its public key
        // and H256(X25519(prv, pub)).
        let prv = UserPasswordKeys.federationPrivateKey(name: "00420mG51WS82GeB30qE3m")
        #expect(prv == hex("a4f4b51c8a0a09f97e9822ca8accb3f94d5a0d020b9d08ea039b46418e3c0d49"))
        let pub = X25519.n2nPublicKey(privateKey: prv)
        #expect(pub == hex("ca58616ff925d0cd1da56248a0155eada9f35c105f20b642b0a97c1e0ed7e94b"))
        #expect(UserPasswordKeys.sharedSecret(privateKey: prv, peerPublicKey: pub!)
                == hex("5d947b0bdb54e8708a09b0db6f0b0d311bb85fba577434bd3bc5c46cd5aea484"))
    }

    @Test func loganAgainstTheDefaultFederation() throws {
        let pub = UserPasswordKeys.publicKey(user: "logan", password: "007")
        #expect(pub == hex("c51838c3ed440ae0743619d2a11fe03d4a3cbd415ef157376fdef2a5b5caab34"))
        let fedpub = UserPasswordKeys.federationPublicKey(name: "*Federation")
        #expect(fedpub == hex("b004b82cf6006cc082c028a40c2e1e78f78a0bca5a73adbb7e30ff7053c2b876"))
        // Both sides reach the same ss.
        let edgeSide = try #require(UserPasswordKeys.sharedSecret(
            privateKey: UserPasswordKeys.privateKey(user: "logan", password: "007"), peerPublicKey: fedpub))
        let supernodeSide = try #require(UserPasswordKeys.sharedSecret(
            privateKey: UserPasswordKeys.federationPrivateKey(name: "Federation"), peerPublicKey: pub))
        #expect(edgeSide == hex("1f38919f200cf062e6c93e4ca86f5dcd894ea074490b5ff1a1f3dba2dd974453"))
        #expect(supernodeSide == edgeSide)
        // The challenge c0 … cf under Kss.
        var challenge = (0..<16).map { UInt8(0xC0 + $0) }
        challenge.withUnsafeMutableBytes { UserPasswordKeys.secretCipher(sharedSecret: edgeSide).encryptBlock($0) }
        #expect(challenge == hex("193f4f83ee7835f19fb6c1e8bf44e8eb"))
    }

    @Test func dynamicKeyOfTheSpecVector() {
        let time: UInt32 = 1_654_895_813
        #expect(UserPasswordKeys.tripleHash(withUnsafeBytes(of: time.littleEndian) { Array($0) })
                == hex("e636a0953abf44301ae3da555ee5afa3"))
        let k = zip(UserPasswordKeys.tripleHash(V3Community("mynet").bytes),
                    UserPasswordKeys.tripleHash(V3Community("*Federation").bytes)).map { $0 ^ $1 }
        #expect(k == hex("1e08bc510315807862603041761e6a80"))
        #expect(UserPasswordKeys.dynamicKey(community: "mynet", federation: "*Federation", keyTime: time)
                == hex("6f02035068c857b501c979d4a6ef625d"))
    }
}
