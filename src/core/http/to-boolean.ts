import { TransformFnParams } from 'class-transformer';

/**
 * `true`/`false` as JSON booleans or as strings (query parameters; SocketLabs' own samples send strings), any case;
 * anything else is left for @IsBoolean to refuse.
 */
export const toBoolean = ({ value }: TransformFnParams): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : value;
};
