import Foundation

/// A user entry turned into a credential source and a client certificate, after the checks
/// client-go's validateAuthInfo and transport config make.
///
/// One method authenticates the requests: an exec plugin, else an auth-provider, else a
/// token (tokenFile and/or token), else basic auth. Impersonation is added on top of it.
struct ResolvedUserCredentials {
    var source: any CredentialSource
    var clientIdentity: ClientIdentity?

    static let execAPIVersions: Set<String> = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    init(_ user: KubeconfigUser, cluster: ExecClusterInfo, options: CredentialOptions) throws {
        let fields = KubeconfigOrigin(file: user.origin.file, path: user.origin.field("user"))
        func fail(_ field: String, _ problem: String) -> KubeconfigError {
            .invalidField(file: fields.file, field: fields.field(field), problem: problem)
        }

        clientIdentity = try Self.clientIdentity(user, fields: fields)

        let hasToken = user.token != nil || user.tokenFile != nil
        let hasBasic = user.username != nil || user.password != nil
        if hasToken, hasBasic {
            throw fail(user.token != nil ? "token" : "tokenFile",
                       "more than one authentication method found (token and basicAuth): "
                           + "username/password or bearer token may be set, but not both")
        }
        if user.exec != nil, user.authProvider != nil {
            throw fail("auth-provider", "authProvider cannot be provided in combination with an exec plugin")
        }
        if user.impersonate == nil,
           user.impersonateUID != nil || !user.impersonateGroups.isEmpty || !user.impersonateUserExtra.isEmpty {
            throw fail("as", "requesting uid, groups or user-extra without impersonating a user (set as)")
        }

        var base: any CredentialSource = NoCredentials()
        if let exec = user.exec {
            try Self.validate(exec, user: user.name, fail: fail)
            base = ExecCredentialPlugin(userName: user.name, config: exec, cluster: cluster, options: options)
        } else if let provider = user.authProvider {
            base = try Self.authProvider(provider, user: user.name, options: options, fail: fail)
        } else if let path = user.tokenFile {
            base = TokenFileCredentials(path: path, fallbackToken: user.token?.value,
                                        maxAge: options.tokenFileMaxAge, clock: options.clock)
        } else if let token = user.token {
            base = BearerTokenCredentials(token: token.value)
        } else if hasBasic {
            base = BasicAuthCredentials(username: user.username ?? "", password: user.password?.value ?? "")
        }

        if let who = user.impersonate {
            let extra = user.impersonateUserExtra.map { Impersonation.Extra(key: $0.key, values: $0.values) }
            base = ImpersonatingCredentials(base: base, impersonation: Impersonation(
                user: who, uid: user.impersonateUID, groups: user.impersonateGroups, extra: extra))
        }
        source = base
    }

    /// The kubeconfig's client certificate and key: both or neither, `-data` over the path.
    private static func clientIdentity(_ user: KubeconfigUser, fields: KubeconfigOrigin) throws -> ClientIdentity? {
        let hasCertificate = user.clientCertificateData != nil || user.clientCertificate != nil
        let hasKey = user.clientKeyData != nil || user.clientKey != nil
        if hasCertificate, !hasKey {
            throw KubeconfigError.invalidField(
                file: fields.file, field: fields.field("client-certificate"),
                problem: "client-key-data or client-key must be specified for \(user.name) to use the clientCert authentication method")
        }
        if hasKey, !hasCertificate {
            throw KubeconfigError.invalidField(
                file: fields.file, field: fields.field("client-key"),
                problem: "client-certificate-data or client-certificate must be specified for \(user.name) to use the clientCert authentication method")
        }
        guard hasCertificate else { return nil }
        let certificate = try user.clientCertificateData
            ?? readReferencedFile(user.clientCertificate ?? "", file: fields.file, field: fields.field("client-certificate"))
        let key = try user.clientKeyData?.value
            ?? readReferencedFile(user.clientKey ?? "", file: fields.file, field: fields.field("client-key"))
        return ClientIdentity(certificatePEM: certificate, keyPEM: key)
    }

    private static func validate(_ exec: ExecPluginConfig, user: String,
                                 fail: (String, String) -> KubeconfigError) throws {
        if exec.command.isEmpty {
            throw fail("exec.command", "command must be specified for \(user) to use exec authentication plugin")
        }
        if exec.apiVersion.isEmpty {
            throw fail("exec.apiVersion", "apiVersion must be specified for \(user) to use exec authentication plugin")
        }
        guard execAPIVersions.contains(exec.apiVersion) else {
            throw fail("exec.apiVersion", "invalid apiVersion \"\(exec.apiVersion)\" (use client.authentication.k8s.io/v1 or v1beta1)")
        }
        if exec.apiVersion == "client.authentication.k8s.io/v1", exec.interactiveMode == nil {
            throw fail("exec.interactiveMode",
                       "interactiveMode must be specified for \(user) to use exec authentication plugin (Never, IfAvailable or Always)")
        }
        if let index = exec.env.firstIndex(where: { $0.name.isEmpty }) {
            throw fail("exec.env[\(index)].name", "env variable name must be specified for \(user) to use exec authentication plugin")
        }
    }

    private static func authProvider(_ provider: AuthProviderConfig, user: String, options: CredentialOptions,
                                     fail: (String, String) -> KubeconfigError) throws -> any CredentialSource {
        switch provider.name {
        case "oidc":
            return OIDCCredentials(userName: user, idToken: provider.config.value["id-token"] ?? "", clock: options.clock)
        case "gcp":
            throw fail("auth-provider.name", """
                The gcp auth plugin has been removed.
                Please use the "gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead.
                See https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke for further details
                """)
        case "azure":
            throw fail("auth-provider.name", """
                The azure auth plugin has been removed.
                Please use the https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead.
                See https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins for further details
                """)
        default:
            throw fail("auth-provider.name", "no Auth Provider found for name \"\(provider.name)\"")
        }
    }
}
