"""Write the sample after-exit scan of aws-tw/data-lake (account 333333333333).

Run from the repository root: ``python samples/after-exit/generate.py``. The service was
terminated on 2026-11-10; this snapshot was taken on 2026-11-15. What it holds:

* the account itself, a read-only auditor role and the organisation's trail (not data);
* the data lake's customer-managed key, scheduled for deletion (crypto-shredding: PASS);
* a forgotten EBS snapshot in ap-northeast-1 (Tokyo), a copy made for a 2025 migration
  test whose source volume is long gone: ``cloudgov exit verify`` must FAIL on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scanner.inventory import Inventory, save  # noqa: E402
from scanner.model import Resource  # noqa: E402

ACCOUNT = "333333333333"
HERE = Path(__file__).resolve().parent


def build() -> Inventory:
    inv = Inventory(collected_at="2026-11-15T03:00:00Z",
                    sources=[{"source": "sample", "note": "after-exit scan of aws-tw/data-lake"}])
    inv.add(Resource("aws", ACCOUNT, "global", "account", "AWS::Organizations::Account",
                     f"arn:aws:organizations::111111111111:account/o-fmsa0001/{ACCOUNT}", name="fmsa-datalake",
                     properties={"organization_id": "o-fmsa0001"}))
    inv.add(Resource("aws", ACCOUNT, "global", "identity.role", "AWS::IAM::Role",
                     f"arn:aws:iam::{ACCOUNT}:role/audit-readonly", name="audit-readonly",
                     properties={"human": False, "roles": ["SecurityAudit"], "actions": [], "last_used": "2026-11-15"}))
    inv.add(Resource("aws", ACCOUNT, "ap-east-2", "kms.key", "AWS::KMS::Key",
                     f"arn:aws:kms:ap-east-2:{ACCOUNT}:key/mrk-datalake", name="alias/datalake",
                     properties={"key_manager": "customer", "state": "pending_deletion", "rotation_enabled": True,
                                 "policy_public": False}))
    snap = f"arn:aws:ec2:ap-northeast-1:{ACCOUNT}:snapshot/snap-0d1a7e5c0ffee0001"
    inv.add(Resource("aws", ACCOUNT, "ap-northeast-1", "backup", "AWS::EC2::Snapshot", snap,
                     name="datalake-migration-test-2025", tags={"purpose": "migration-test"},
                     properties={"encryption.enabled": True, "encryption.key_manager": "provider",
                                 "source_id": f"arn:aws:ec2:ap-east-2:{ACCOUNT}:volume/vol-0d1a7e5c0000001"}))
    inv.relate(snap, "backup_of", f"arn:aws:ec2:ap-east-2:{ACCOUNT}:volume/vol-0d1a7e5c0000001")
    return inv


# A stand-in certificate of complete deletion: a minimal one-page PDF.
CERT_TEXT = "Certificate of complete deletion - aws-tw/data-lake - account 333333333333 - 2026-11-12"


def certificate_pdf() -> bytes:
    content = f"BT /F1 11 Tf 40 780 Td ({CERT_TEXT}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


if __name__ == "__main__":
    save(build(), HERE / "data-lake-after-exit.json", with_raw=False)
    (HERE / "deletion-certificate-data-lake.pdf").write_bytes(certificate_pdf())
    print("wrote", HERE / "data-lake-after-exit.json", "and the certificate")
