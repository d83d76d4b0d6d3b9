//! HTTPS as Spin serves and sends it: `--tls-cert`/`--tls-key` (the
//! runner answers over TLS and tells components `https://`), and the
//! runtime config's `[[client_tls]]`, which lets one component reach a
//! host behind a private CA that the default roots do not trust.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use e2e::{App, Launch};

/// A private CA and a certificate it signed for `localhost` and
/// 127.0.0.1, written as PEM files: (ca, cert, key).
fn private_ca(dir: &Path) -> (String, String, String) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "casework test CA");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let ca_cert = ca.self_signed(&ca_key).expect("CA");
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("params");
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let issuer = rcgen::Issuer::from_params(&ca, &ca_key);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf");
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        path.display().to_string()
    };
    (
        write("ca.pem", ca_cert.pem()),
        write("cert.pem", leaf_cert.pem()),
        write("key.pem", leaf_key.serialize_pem()),
    )
}

/// A GET over HTTPS trusting only the CA at `ca`: the status and body.
fn https_get(ca: &str, base: &str, path: &str) -> (u16, String) {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_file_iter(ca).expect("pem") {
        roots.add(cert.expect("cert")).expect("root");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let authority = base.trim_start_matches("https://");
    let port: u16 = authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("port");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(Arc::new(config), name).expect("connection");
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nhost: localhost:{port}\r\nconnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = Vec::new();
    // A server closing without close_notify is an error to rustls; what
    // came before it is the answer.
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_runner_serves_https_with_the_given_certificate_and_tells_components_the_scheme() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, cert, key) = private_ca(dir.path());
    let state = tempfile::tempdir().expect("state");
    let launch = Launch {
        echo: false,
        ..Launch::probe()
    }
    .arg("--tls-cert")
    .arg(&cert)
    .env("SPIN_TLS_KEY", &key);
    let app = App::launch(&launch, state.path());
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);
    let (status, body) = https_get(&ca, &app.base, "/headers");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"spin-full-url\":\"https://localhost:"),
        "{body}"
    );
    // Each flag needs the other, as Spin's.
    let alone = Launch::probe().arg("--tls-cert").arg(&cert);
    let refused = alone.expect_refusal(state.path());
    assert!(refused.contains("--tls-key"), "{refused}");
}

#[test]
fn a_component_reaches_a_host_behind_a_private_ca_only_with_client_tls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, cert, key) = private_ca(dir.path());
    let behind = tempfile::tempdir().expect("state");
    let server = App::launch(
        &Launch {
            echo: false,
            ..Launch::probe()
        }
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key),
        behind.path(),
    );
    let port = server.base.rsplit_once(':').expect("port").1.to_string();
    let target = format!("/outbound-tls/localhost:{port}");

    let plain = tempfile::tempdir().expect("state");
    let without = App::launch(
        &Launch {
            echo: false,
            ..Launch::probe()
        },
        plain.path(),
    );
    let refused = without.get(&target);
    assert_eq!(refused.status, 502, "{}", refused.body);

    // The runtime config's paths start at its own folder.
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        "[[client_tls]]\ncomponent_ids = [\"probe\"]\nhosts = [\"localhost\"]\nca_roots_file = \"ca.pem\"\n",
    )
    .expect("written");
    let trusted = tempfile::tempdir().expect("state");
    let with = App::launch(
        &Launch {
            echo: false,
            ..Launch::probe()
        }
        .arg("--runtime-config-file")
        .arg(&config.display().to_string()),
        trusted.path(),
    );
    let reached = with.get(&target);
    assert_eq!(reached.status, 200, "{}", reached.body);
    assert!(reached.body.starts_with("200 "), "{}", reached.body);
}
