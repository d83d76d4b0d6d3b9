//! HTTPS as Spin has it. Outbound: Spin's `[[client_tls]]` runtime config —
//! for a component and a host the first entry names both, the roots it
//! trusts (its `ca_roots_file`, the webpki roots, the platform's) and the
//! client certificate it presents; every other HTTPS request trusts the
//! webpki roots (wasmtime's own sender), as Spin 3 does. Inbound: the
//! certificate chain and key of `--tls-cert`/`--tls-key`. Certificates and
//! keys are PEM (a key PKCS#8, PKCS#1 RSA or SEC1 EC), as Spin reads them.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use http_body_util::BodyExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use crate::manifest::runtime_config::ClientTls;

/// The TLS client configurations of one component, by host.
pub type HostConfigs = BTreeMap<String, Arc<ClientConfig>>;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("cannot read certificates from {}", path.display()))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not PEM certificates", path.display()))?;
    if certs.is_empty() {
        bail!("{} holds no certificate", path.display());
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).with_context(|| {
        format!(
            "cannot read a private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC) from {}",
            path.display()
        )
    })
}

/// The client configuration of one `[[client_tls]]` entry.
fn client_config(entry: &ClientTls) -> Result<ClientConfig> {
    let (platform, webpki) = entry.default_roots();
    let mut roots = RootCertStore::empty();
    if webpki {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if platform {
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            // A platform certificate rustls cannot use is passed over, as
            // a platform verifier would.
            let _ = roots.add(cert);
        }
    }
    if let Some(file) = &entry.ca_roots_file {
        for cert in certificates(file)? {
            roots
                .add(cert)
                .with_context(|| format!("{}: a certificate rustls refuses", file.display()))?;
        }
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    Ok(
        match (&entry.client_cert_file, &entry.client_private_key_file) {
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(certificates(cert)?, private_key(key)?)
                .context("the client certificate and key do not go together")?,
            _ => builder.with_no_client_auth(),
        },
    )
}

/// Every component's TLS client configurations, from the runtime config's
/// `[[client_tls]]` entries (the first entry naming a component and host
/// wins).
pub fn client_configs(entries: &[ClientTls]) -> Result<BTreeMap<String, HostConfigs>> {
    let mut out: BTreeMap<String, HostConfigs> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let config = Arc::new(
            client_config(entry).with_context(|| format!("[[client_tls]] entry {}", i + 1))?,
        );
        for component in &entry.component_ids {
            let hosts = out.entry(component.clone()).or_default();
            for host in &entry.hosts {
                hosts.entry(host.clone()).or_insert_with(|| config.clone());
            }
        }
    }
    Ok(out)
}

/// The server configuration of `--tls-cert` (the chain, leaf first) and
/// `--tls-key`.
pub fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig> {
    ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certificates(cert)?, private_key(key)?)
        .context("the TLS certificate and key do not go together")
}

/// The IO of a sent request, driven apart (its errors end the response
/// body).
pub type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// Sends an HTTPS request with `config` (HTTP/1.1), as wasmtime's own
/// sender does with its webpki roots: the connect and first-byte timeouts
/// of `options` (10 minutes each by default).
pub async fn send(
    mut request: http::Request<WasiBody>,
    config: Arc<ClientConfig>,
    options: Option<RequestOptions>,
) -> Result<(http::Response<WasiBody>, IoFuture), Error> {
    let uri = request.uri();
    let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?.to_string();
    let port = uri.port_u16().unwrap_or(443);
    let connect = options
        .and_then(|o| o.connect_timeout)
        .unwrap_or(Duration::from_secs(600));
    let first_byte = options
        .and_then(|o| o.first_byte_timeout)
        .unwrap_or(Duration::from_secs(600));
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::from(ip),
        Err(_) => ServerName::try_from(bare.to_string()).map_err(Error::InvalidDnsNameError)?,
    };
    let tcp = tokio::time::timeout(connect, tokio::net::TcpStream::connect((bare, port)))
        .await
        .map_err(|_| Error::ConnectionTimeout)?
        .map_err(Error::Connect)?;
    let tls = tokio::time::timeout(
        connect,
        tokio_rustls::TlsConnector::from(config).connect(name, tcp),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)?
    .map_err(Error::Tls)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(tls)).await?;
    let driven = tokio::spawn(conn);
    // Only the path goes on the wire (the authority is the connection's).
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    *request.uri_mut() = path.parse().map_err(|_| Error::HttpRequestUriInvalid)?;
    let response = tokio::time::timeout(first_byte, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;
    let response = response.map(|body| body.map_err(Error::from).boxed_unsync());
    let io: IoFuture = Box::new(async move {
        match driven.await {
            Ok(done) => done.map_err(Error::from),
            Err(_) => Err(Error::ConnectionTerminated),
        }
    });
    Ok((response, io))
}
