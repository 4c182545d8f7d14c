//! The camt.053 reader and lint behind `ponto2camt inspect`, which reads any file it
//! is given: read the bytes as a document; when that works, lint it, and write it back
//! with our writer. What the writer accepts, the reader must read again, and the
//! result must write the same bytes (the writer's output is a fixed point).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let document = match camt053::read_document(data) {
        Ok(document) => document,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for finding in camt053::lint(&document) {
        let _ = finding.to_string();
    }
    let Ok(xml) = camt053::write_document(Vec::new(), &document) else {
        return;
    };
    let again = camt053::read_document(xml.as_slice()).unwrap_or_else(|e| {
        panic!(
            "the writer wrote what the reader refuses: {e}\n{}",
            String::from_utf8_lossy(&xml)
        )
    });
    // Once through the writer, a document is a fixed point: what it wrote reads back to
    // a document that writes the same bytes.
    let xml_again = camt053::write_document(Vec::new(), &again)
        .unwrap_or_else(|e| panic!("the writer refuses what it wrote, read back: {e}"));
    assert!(
        xml_again == xml,
        "write(read(write(read(input)))) differs from write(read(input)):\n{}\n---\n{}",
        String::from_utf8_lossy(&xml),
        String::from_utf8_lossy(&xml_again)
    );
});
