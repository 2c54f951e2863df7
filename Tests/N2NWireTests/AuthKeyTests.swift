import Testing
@testable import N2NWire

/// X25519 with n2n's base point and the keys' printable form (v3 spec 6.3, 6.6, 6.7).
@Suite struct AuthKeyTests {
    @Test func x25519WithTheN2NBasePointMatchesTheReference() throws {
        // tests-elliptic of n2n 3.1.1: scalar 0x55 × 32 times the point B.
        let product = try #require(X25519.n2nPublicKey(privateKey: [UInt8](repeating: 0x55, count: 32)))
        #expect(product == hex("7f421bf9345a59844a30bc536474fa7c158177a44d346d2f8bc18c05d6a94454"))
    }

    @Test func sharedSecretsAgreeAndWrongSizesAreRefused() throws {
        let a = [UInt8](repeating: 0x11, count: 32), b = [UInt8](repeating: 0x22, count: 32)
        let pubA = try #require(X25519.n2nPublicKey(privateKey: a))
        let pubB = try #require(X25519.n2nPublicKey(privateKey: b))
        #expect(pubA != pubB)
        let ab = try #require(X25519.multiply(scalar: a, point: pubB))
        let ba = try #require(X25519.multiply(scalar: b, point: pubA))
        #expect(ab == ba)
        #expect(X25519.multiply(scalar: Array(a.prefix(31)), point: pubB) == nil)
        #expect(X25519.multiply(scalar: a, point: pubB + [0]) == nil)
        // The all-zero point has small order: the shared secret would be zero, refused.
        #expect(X25519.multiply(scalar: a, point: [UInt8](repeating: 0, count: 32)) == nil)
    }

    @Test func keyTextMatchesTheReferenceVector() throws {
        // tests-auth of n2n 3.1.1: 00 01 … 0f and back.
        let bytes = (0..<16).map { UInt8($0) }
        #expect(KeyText.encode(bytes) == "00420mG51WS82GeB30qE3m")
        #expect(try KeyText.decode("00420mG51WS82GeB30qE3m") == bytes)
    }

    @Test func thirtyTwoBytesAreFortyThreeCharactersAndRoundTrip() throws {
        var state: UInt64 = 0x243F_6A88_85A3_08D3
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            let text = KeyText.encode(bytes)
            #expect(text.count == 43)
            #expect(try KeyText.decode(text) == bytes)
        }
        #expect(KeyText.encode([]) == "")
        #expect(try KeyText.decode("") == [])
    }

    @Test func invalidCharactersAndOverlongTextAreRefused() {
        #expect(throws: KeyText.DecodeError.invalidCharacter("{", position: 2)) { try KeyText.decode("00{0") }
        #expect(throws: KeyText.DecodeError.invalidCharacter(" ", position: 0)) { try KeyText.decode(" 0") }
        #expect(throws: KeyText.DecodeError.invalidCharacter("é", position: 1)) { try KeyText.decode("0é") }
        #expect(throws: KeyText.DecodeError.tooLong(44, maximum: 43)) { try KeyText.decode(String(repeating: "0", count: 44)) }
    }
}
