@filters
Feature: Filters given without a value
  A list filter sent with an empty value, such as "customerId=", asks for nothing
  sensible. The contract refuses it with the Error body naming the filter
  (emptyFilter: reject); a deployment whose dialect says emptyFilter: ignore answers
  as if the filter had not been sent.

  @errors @emptyFilter-reject
  Scenario Outline: An empty <filter> is refused, naming it (emptyFilter: reject)
    Given a member with more than 100 transactions
    When the client lists <list> with query "<filter>="
    Then the answer is a "Bad Request" error
    And the error names the parameter "<filter>"

    Examples:
      | list                        | filter                   |
      | the members                 | customerId               |
      | the member's transactions   | orderId                  |
      | the member's transactions   | pointDefinitionReference |
      | the member's points history | pointDefinitionReference |

  @emptyFilter-ignore
  Scenario Outline: An empty <filter> is ignored, as if it had not been sent (emptyFilter: ignore)
    Given a member with more than 100 transactions
    When the client lists <list> with query "<filter>=&perPage=7"
    Then the response status is 200
    And the answer is the same as with query "perPage=7"

    Examples:
      | list                        | filter                   |
      | the members                 | customerId               |
      | the member's transactions   | orderId                  |
      | the member's transactions   | pointDefinitionReference |
      | the member's points history | pointDefinitionReference |
