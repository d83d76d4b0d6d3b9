//! What a built component really calls: the host interfaces its `.wasm`
//! imports. The linker keeps only the imports some reachable code calls,
//! so a stage that never opens the key-value store does not import it;
//! the layout test grants each stage exactly the stores its imports need.

use std::collections::BTreeSet;

/// The stores and configuration a component's imports reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// Spin's key-value interface (`fermyon:spin/key-value`, or the WASI
    /// key-value interfaces Spin serves from the same stores).
    pub key_value: bool,
    /// Spin's SQLite interface.
    pub sqlite: bool,
    /// Spin's application variables.
    pub variables: bool,
}

/// The interface names (import modules) of a core module or component.
pub fn interfaces(wasm: &[u8]) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    out.insert(import.map_err(|e| e.to_string())?.module.to_string());
                }
            }
            wasmparser::Payload::ComponentImportSection(section) => {
                for import in section {
                    out.insert(import.map_err(|e| e.to_string())?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// What a set of interface names needs.
pub fn needs<'a>(interfaces: impl IntoIterator<Item = &'a String>) -> Needs {
    let mut needs = Needs::default();
    for name in interfaces {
        let name = name.split('@').next().unwrap_or(name);
        match name {
            "fermyon:spin/key-value" | "spin:key-value/key-value" => needs.key_value = true,
            n if n.starts_with("wasi:keyvalue/") => needs.key_value = true,
            "fermyon:spin/sqlite" | "spin:sqlite/sqlite" => needs.sqlite = true,
            "fermyon:spin/variables" | "spin:variables/variables" => needs.variables = true,
            n if n.starts_with("wasi:config/") => needs.variables = true,
            _ => {}
        }
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A core module importing one function from each of `modules`.
    fn module(modules: &[&str]) -> Vec<u8> {
        fn leb(mut n: usize, out: &mut Vec<u8>) {
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(byte);
                    return;
                }
                out.push(byte | 0x80);
            }
        }
        fn name(text: &str, out: &mut Vec<u8>) {
            leb(text.len(), out);
            out.extend_from_slice(text.as_bytes());
        }
        // One type, `() -> ()`, then the imports, all of it.
        let mut types = vec![1, 0x60, 0, 0];
        let mut imports = Vec::new();
        leb(modules.len(), &mut imports);
        for m in modules {
            name(m, &mut imports);
            name("f", &mut imports);
            imports.extend_from_slice(&[0x00, 0x00]);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in [(1u8, &mut types), (2u8, &mut imports)] {
            wasm.push(id);
            leb(body.len(), &mut wasm);
            wasm.extend_from_slice(body);
        }
        wasm
    }

    #[test]
    fn a_module_needs_the_stores_of_the_interfaces_it_imports_and_no_other() {
        let wasm = module(&["wasi:http/types@0.2.0", "fermyon:spin/sqlite@2.0.0"]);
        let found = interfaces(&wasm).expect("parses");
        assert!(found.contains("fermyon:spin/sqlite@2.0.0"));
        assert_eq!(
            needs(&found),
            Needs {
                sqlite: true,
                ..Needs::default()
            }
        );
        let kv = module(&[
            "wasi:keyvalue/atomics@0.2.0-draft2",
            "fermyon:spin/variables@2.0.0",
        ]);
        assert_eq!(
            needs(&interfaces(&kv).expect("parses")),
            Needs {
                key_value: true,
                variables: true,
                ..Needs::default()
            }
        );
        assert_eq!(
            needs(&interfaces(&module(&[])).expect("parses")),
            Needs::default()
        );
    }

    #[test]
    fn a_file_that_is_not_wasm_is_an_error() {
        assert!(interfaces(b"not wasm").is_err());
    }
}
