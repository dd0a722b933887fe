import Crypto
import Foundation
// SwiftASN1 comes with swift-certificates; it is needed only to spell an IP address SAN.
import SwiftASN1
import X509

/// The local cluster's own certificate authority, made fresh at each start: a self-signed P-256
/// CA (CN kvdeck-local-ca) and a serving certificate it signs for the loopback names. The CA
/// certificate goes into the kubeconfig as `certificate-authority-data`, so kubectl and kvdeck
/// verify the server exactly as they would a real cluster's. The CA key never leaves memory.
public struct LocalCertificateAuthority: Sendable {
    /// The CA certificate, PEM ("-----BEGIN CERTIFICATE-----").
    public let caCertificatePEM: String
    /// The server's certificate, PEM, signed by the CA.
    public let servingCertificatePEM: String
    /// The server's private key, PKCS#8 PEM. Secret: never log it.
    public let servingKeyPEM: String
    /// The names the serving certificate covers.
    public let servingDNSNames: [String]
    public let servingIPAddresses: [String]
    public let notValidAfter: Date

    private let caKey: Certificate.PrivateKey
    private let caName: DistinguishedName
    private let caKeyIdentifier: ArraySlice<UInt8>

    public static let defaultDNSNames = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"]
    public static let defaultIPAddresses = ["127.0.0.1", "::1"]

    /// Makes a new CA and a serving certificate for `dnsNames` and `ipAddresses`, valid from a few
    /// minutes before `now` (clock skew) for `validity`.
    public init(dnsNames: [String] = LocalCertificateAuthority.defaultDNSNames,
                ipAddresses: [String] = LocalCertificateAuthority.defaultIPAddresses,
                now: Date = Date(),
                validity: TimeInterval = 365 * 24 * 3600) throws {
        let notBefore = now.addingTimeInterval(-300)
        let notAfter = now.addingTimeInterval(validity)

        let caKey = P256.Signing.PrivateKey()
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let caName = try DistinguishedName { CommonName("kvdeck-local-ca") }
        let caKeyIdentifier = SubjectKeyIdentifier(hash: caPublicKey).keyIdentifier
        let caCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caPublicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: caName,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: caKeyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            guard let bytes = Self.ipAddressBytes(address) else {
                throw LocalCertificateAuthorityError.invalidIPAddress(address)
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }

        let servingKey = P256.Signing.PrivateKey()
        let servingPublicKey = Certificate.PublicKey(servingKey.publicKey)
        let servingCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: servingPublicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: try DistinguishedName { CommonName("kube-apiserver") },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: servingPublicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        self.caKey = Certificate.PrivateKey(caKey)
        self.caName = caName
        self.caKeyIdentifier = caKeyIdentifier
        self.caCertificatePEM = try caCertificate.serializeAsPEM().pemString + "\n"
        self.servingCertificatePEM = try servingCertificate.serializeAsPEM().pemString + "\n"
        self.servingKeyPEM = servingKey.pemRepresentation + "\n"
        self.servingDNSNames = dnsNames
        self.servingIPAddresses = ipAddresses
        self.notValidAfter = notAfter
    }

    /// A client certificate signed by this CA (CN = user, O = groups), for client-certificate
    /// identities in kubeconfigs. Returns (certificate PEM, PKCS#8 key PEM).
    public func issueClientCertificate(commonName: String, organizations: [String] = [],
                                       now: Date = Date(), validity: TimeInterval = 365 * 24 * 3600) throws
        -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            for organization in organizations { OrganizationName(organization) }
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: caName, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
            },
            issuerPrivateKey: caKey)
        return (try certificate.serializeAsPEM().pemString + "\n", key.pemRepresentation + "\n")
    }

    /// Network-order bytes of a textual IPv4 or IPv6 address, or nil.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

public enum LocalCertificateAuthorityError: Error, Sendable, CustomStringConvertible {
    case invalidIPAddress(String)

    public var description: String {
        switch self {
        case let .invalidIPAddress(text): return "'\(text)' is not an IPv4 or IPv6 address for the serving certificate"
        }
    }
}
