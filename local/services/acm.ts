import { randomBytes, randomUUID } from 'node:crypto';
import type { TimerHandle } from '../clock.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { fqdn, validationLabel } from './route53.ts';

/**
 * ACM certificates validated through DNS. A requested certificate is PENDING_VALIDATION with one
 * CNAME record per name (`_<hash>.<name>` → `_<hash>.<random>.acm-validations.aws.`, the same
 * record for the same name in the same account, as ACM reuses it). Once every name's record is in
 * a local Route 53 zone, the certificate is ISSUED after `durations.service.acmDnsValidation`
 * (3 min; observed 1.5–9 min) on the virtual clock; without them it times out after 72 hours
 * (VALIDATION_TIMED_OUT). `issue()` stands for a validation done outside the local cloud (a
 * zone hosted elsewhere).
 * - DNS validation: https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
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
  validationMethod: 'DNS' | 'EMAIL';
  /** The CNAME record ACM looks for, per name. */
  validation: { domainName: string; name: string; value: string }[];
  timer?: TimerHandle;
  waiters: ((status: CertificateStatus) => void)[];
}

/** Names a certificate may cover: a DNS name, optionally with one leading `*.` (ACM rules). */
const CERTIFICATE_NAME =
  /^(\*\.)?(([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])\.)+([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$/;

export class AcmModel {
  readonly certificates = new Map<string, Certificate>();
  readonly #cloud: LocalCloud;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    // ACM keeps looking for the records; a change to any zone may complete a validation.
    cloud.route53.onChange(() => {
      for (const c of this.certificates.values()) this.#checkValidation(c);
    });
  }

  /**
   * RequestCertificate. Checks from the API reference: DomainName 1–253 characters, a valid name
   * (`InvalidDomainValidationOptionsException` otherwise), at most 10 subject alternative names by
   * default (`LimitExceededException`), https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
   */
  requestCertificate(
    domainName: string,
    sans: string[] = [],
    options: { validationMethod?: string } = {},
  ): string {
    if (!domainName || domainName.length > 253)
      throw new AwsError('ValidationException', 'The DomainName must be between 1 and 253 characters.');
    const names = [...new Set([domainName, ...sans])];
    for (const n of names)
      if (!CERTIFICATE_NAME.test(n) || n.length > 253)
        throw new AwsError('InvalidDomainValidationOptionsException', `Domain name ${n} is not valid.`);
    if (names.length > 10)
      throw new AwsError(
        'LimitExceededException',
        'Cannot request a certificate with more than 10 domain names.',
      );
    const method = options.validationMethod === 'EMAIL' ? 'EMAIL' : 'DNS';
    const arn = `arn:aws:acm:${this.#cloud.region}:${this.#cloud.accountId}:certificate/${randomUUID()}`;
    const cert: Certificate = {
      arn,
      domainName,
      // ACM lists the domain name itself among the subject alternative names.
      subjectAlternativeNames: names,
      status: 'PENDING_VALIDATION',
      createdAt: this.#cloud.clock.date(),
      validationMethod: method,
      validation: names.map((n) => {
        const base = n.replace(/^\*\./, '');
        const label = validationLabel(this.#cloud.accountId, base);
        return {
          domainName: n,
          name: `${label}.${fqdn(base)}`,
          value: `${label}.${randomBytes(5).toString('hex')}.acm-validations.aws.`,
        };
      }),
      waiters: [],
    };
    this.certificates.set(arn, cert);
    this.#cloud.clock.setBackgroundTimer(this.#cloud.durations.service.acmValidationTimeout, () => {
      if (cert.status === 'PENDING_VALIDATION') this.#settle(cert, 'VALIDATION_TIMED_OUT');
    });
    this.#checkValidation(cert);
    return arn;
  }

  /** The CNAME records a certificate's validation needs (DescribeCertificate's ResourceRecord). */
  validationRecords(arn: string): { domainName: string; name: string; value: string }[] {
    return this.#find(arn).validation;
  }

  /** Settles when the certificate leaves PENDING_VALIDATION, with its status. */
  waitForIssue(arn: string): Promise<CertificateStatus> {
    const c = this.#find(arn);
    if (c.status !== 'PENDING_VALIDATION') return Promise.resolve(c.status);
    return new Promise((resolve) => c.waiters.push(resolve));
  }

  /** The validation succeeded outside the local cloud (a zone hosted elsewhere). */
  issue(arn: string): void {
    this.#settle(this.#find(arn), 'ISSUED');
  }

  /** Sets any status (expired, revoked…) for tests of what a preflight says about it. */
  setStatus(arn: string, status: CertificateStatus): void {
    this.#find(arn).status = status;
  }

  #checkValidation(c: Certificate): void {
    if (c.status !== 'PENDING_VALIDATION' || c.timer || c.validationMethod !== 'DNS') return;
    const found = c.validation.every((v) => this.#cloud.route53.resolves(v.name, 'CNAME', v.value));
    if (!found) return;
    c.timer = this.#cloud.clock.setTimer(this.#cloud.durations.service.acmDnsValidation, () => {
      c.timer = undefined;
      // The records must still be there when ACM looks.
      if (c.validation.every((v) => this.#cloud.route53.resolves(v.name, 'CNAME', v.value)))
        this.#settle(c, 'ISSUED');
    });
  }

  #settle(c: Certificate, status: CertificateStatus): void {
    c.status = status;
    if (status === 'ISSUED') c.issuedAt = this.#cloud.clock.date();
    c.timer?.cancel();
    c.timer = undefined;
    for (const w of c.waiters.splice(0)) w(status);
  }

  /** DeleteCertificate. In-use checks (a listener using it) are not modelled. */
  deleteCertificate(arn: string): void {
    const c = this.#find(arn);
    c.timer?.cancel();
    this.certificates.delete(arn);
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
          CertificateArn: this.requestCertificate(
            String(input.DomainName ?? ''),
            Array.isArray(input.SubjectAlternativeNames) ? input.SubjectAlternativeNames.map(String) : [],
            { validationMethod: input.ValidationMethod },
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
              DomainValidationOptions: c.validation.map((v) => ({
                DomainName: v.domainName,
                ValidationDomain: v.domainName,
                ValidationMethod: c.validationMethod,
                ValidationStatus:
                  c.status === 'ISSUED'
                    ? 'SUCCESS'
                    : c.status === 'PENDING_VALIDATION'
                      ? 'PENDING_VALIDATION'
                      : 'FAILED',
                ResourceRecord: { Name: v.name, Type: 'CNAME', Value: v.value },
              })),
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
          this.deleteCertificate(String(input.CertificateArn));
          return {};
        },
      },
    };
  }
}
