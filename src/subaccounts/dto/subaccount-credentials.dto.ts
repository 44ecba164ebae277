import { IsString, Length, Matches } from 'class-validator';
import { SocketLabsShaped } from '../../core/http/validation';

/** The subaccount's Injection API credentials (SocketLabs' answer, unchanged). */
export class InjectionApiCredentialsResponseDto {
  /**
   * The server id to put in Injection API requests (the subaccount's id).
   * @example 12345
   */
  serverId: number;
  /**
   * The new Injection API key. Shown only in this answer: it is neither logged nor kept in the audit log.
   * @example "Ab3dEf6hJk9mNp2qRs5t.Uv8wXy1zAb4cDe7fGh0iJk3lMn6oPq9rSt2uVw5xYz8a"
   */
  apiKey: string;
  /** @example "https://inject-cx.socketlabs.com/api/v1/email" */
  gateway: string;
}

/** The subaccount's SMTP credentials (SocketLabs' answer, unchanged). */
export class SmtpCredentialsResponseDto {
  /** @example "subaccount12345" */
  username: string;
  /** @example "xyzabc1233456" */
  password: string;
  /** @example "smtp.socketlabs.com" */
  gateway: string;
}

@SocketLabsShaped()
export class SetSmtpPasswordDto {
  /**
   * The new SMTP password, 8 to 128 characters without spaces or control characters. Never logged; redacted in the audit log.
   * @example "abcdefghijklmnop1234"
   */
  @IsString()
  @Length(8, 128, { message: 'password must be 8 to 128 characters long' })
  @Matches(/^[\x21-\x7e\u00a0-\uffff]+$/, { message: 'password must not contain spaces or control characters' })
  password: string;
}
