import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * A minimal ACM: certificates that tests (and people) create, for `stackdrop plan --live`'s
 * preflight. The local cloud has no DNS, so a requested certificate stays PENDING_VALIDATION, as on
 * AWS until its CNAME records exist; `issue()` (or `POST /_local/acm/issue`) stands for the
 * validation succeeding.
 *
 * Read 2026-12-07:
 * - RequestCertificate / DescribeCertificate / ListCertificates / DeleteCertificate and the
 *   CertificateDetail fields: https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html
 * - Status values (PENDING_VALIDATION, ISSUED, INACTIVE, EXPIRED, VALIDATION_TIMED_OUT, REVOKED,
 *   FAILED): https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html
 * - An unknown ARN is ResourceNotFoundException; the ARN is arn:aws:acm:<region>:<account>:certificate/<uuid>:
 *   https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html#API_DescribeCertificate_Errors
 */

export type CertificateStatus =
  | 'PENDING_VALIDATION'
  | 'ISSUED'
  | 'INACTIVE'
  | 'EXPIRED'
  | 'VALIDATION_TIMED_OUT'
  | 'REVOKED'
  | 'FAILED';

interface Certificate {
  arn: string;
  domainName: string;
  subjectAlternativeNames: string[];
  status: CertificateStatus;
  createdAt: Date;
  issuedAt?: Date;
}

export class AcmModel {
  readonly certificates = new Map<string, Certificate>();
  readonly #cloud: LocalCloud;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** RequestCertificate: a DNS-validated certificate, pending until issued. */
  request(domainName: string, sans: string[] = []): string {
    if (!domainName || domainName.length > 253)
      throw new AwsError('ValidationException', 'The DomainName must be between 1 and 253 characters.');
    const arn = `arn:aws:acm:${this.#cloud.region}:${this.#cloud.accountId}:certificate/${randomUUID()}`;
    this.certificates.set(arn, {
      arn,
      domainName,
      // ACM lists the domain name itself among the subject alternative names.
      subjectAlternativeNames: [...new Set([domainName, ...sans])],
      status: 'PENDING_VALIDATION',
      createdAt: this.#cloud.clock.date(),
    });
    return arn;
  }

  /** The validation succeeded (there is no DNS here to look at). */
  issue(arn: string): void {
    const c = this.#find(arn);
    c.status = 'ISSUED';
    c.issuedAt = this.#cloud.clock.date();
  }

  /** Sets any status (expired, revoked…) for tests of what a preflight says about it. */
  setStatus(arn: string, status: CertificateStatus): void {
    this.#find(arn).status = status;
  }

  #find(arn: unknown): Certificate {
    const c = this.certificates.get(String(arn));
    if (!c)
      throw new AwsError('ResourceNotFoundException', `Could not find certificate ${String(arn)}.`, {
        statusCode: 400,
      });
    return c;
  }

  /** The wire definition registered with the kernel under `acm`. */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'CertificateManager',
      operations: {
        RequestCertificate: (input) => ({
          CertificateArn: this.request(
            String(input.DomainName ?? ''),
            Array.isArray(input.SubjectAlternativeNames) ? input.SubjectAlternativeNames.map(String) : [],
          ),
        }),
        DescribeCertificate: (input) => {
          const c = this.#find(input.CertificateArn);
          return {
            Certificate: {
              CertificateArn: c.arn,
              DomainName: c.domainName,
              SubjectAlternativeNames: c.subjectAlternativeNames,
              Status: c.status,
              Type: 'AMAZON_ISSUED',
              CreatedAt: c.createdAt.getTime() / 1000,
              ...(c.issuedAt ? { IssuedAt: c.issuedAt.getTime() / 1000 } : {}),
              KeyAlgorithm: 'RSA_2048',
              InUseBy: [],
            },
          };
        },
        ListCertificates: () => ({
          CertificateSummaryList: [...this.certificates.values()].map((c) => ({
            CertificateArn: c.arn,
            DomainName: c.domainName,
            Status: c.status,
          })),
        }),
        DeleteCertificate: (input) => {
          this.#find(input.CertificateArn);
          this.certificates.delete(String(input.CertificateArn));
          return {};
        },
      },
    };
  }
}
